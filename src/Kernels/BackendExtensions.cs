namespace NativeTV.Kernels;

/// <summary>Host-side conveniences shared by all backends.</summary>
public static class BackendExtensions
{
    /// <summary>dx (+)= dy W: the input gradient of <see cref="IBackend.MatMul"/>, the product <see cref="IBackend.MatMulNoTranspose"/> computes.</summary>
    public static void MatMulBackward(this IBackend be, Mat dy, DeviceWeight w, Mat dx, bool accumulate) => be.MatMulNoTranspose(dy, w, dx, accumulate);

    public static DeviceBuffer<float> Upload(this IBackend be, ReadOnlySpan<float> values)
    {
        var b = be.Alloc(values.Length);
        be.CopyToDevice(values, b);
        return b;
    }

    public static DeviceBuffer<int> Upload(this IBackend be, ReadOnlySpan<int> values)
    {
        var b = be.AllocInts(Math.Max(values.Length, 1));
        be.CopyToDevice(values, b);
        return b;
    }

    public static float[] Download(this IBackend be, DeviceBuffer<float> b)
    {
        var r = new float[b.Length];
        be.CopyToHost(b, 0, r);
        return r;
    }

    /// <summary>Copies a matrix view to a dense row-major host array.</summary>
    public static float[] Download(this IBackend be, Mat m)
    {
        var r = new float[(long)m.Rows * m.Cols];
        if (m.Ld == m.Cols) { be.CopyToHost(m.Buf, m.Offset, r); return r; }
        for (int i = 0; i < m.Rows; i++) be.CopyToHost(m.Buf, m.Offset + (long)i * m.Ld, r.AsSpan(i * m.Cols, m.Cols));
        return r;
    }

    public static Mat AllocMat(this IBackend be, int rows, int cols) => Mat.Of(be.Alloc((long)rows * cols), rows, cols);

    public static Mat UploadMat(this IBackend be, float[] values, int rows, int cols)
    {
        if (values.Length != (long)rows * cols) throw new ArgumentException($"expected {rows}x{cols} values, got {values.Length}");
        return Mat.Of(be.Upload(values), rows, cols);
    }
}
