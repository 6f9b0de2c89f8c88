namespace NativeTV.Kernels;

/// <summary>A one-dimensional array living on a backend's device (host memory for the CPU backend).</summary>
public abstract class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    public long Length { get; }
    protected DeviceBuffer(long length) => Length = length;
    public abstract void Dispose();
}

/// <summary>A weight matrix [Rows, Cols] (a vector has Rows = 1) kept on the device in its stored dtype.</summary>
public abstract class DeviceWeight : IDisposable
{
    public string Name { get; }
    public DType DType { get; }
    public int Rows { get; }
    public int Cols { get; }
    protected DeviceWeight(string name, DType dtype, int rows, int cols) { Name = name; DType = dtype; Rows = rows; Cols = cols; }
    public long Bytes => (long)Rows * Cols * DType.Size();
    public abstract void Dispose();
}

/// <summary>
/// A row-major float32 matrix view into a buffer: element (r, c) is at Offset + r * Ld + c.
/// Views let fused projections (qkv, gate_up) be split without copies.
/// </summary>
public readonly record struct Mat(DeviceBuffer<float> Buf, long Offset, int Rows, int Cols, int Ld)
{
    public static Mat Of(DeviceBuffer<float> buf, int rows, int cols) => new(buf, 0, rows, cols, cols);

    /// <summary>Columns [c0, c0 + n) of this view.</summary>
    public Mat Columns(int c0, int n)
    {
        if (c0 < 0 || n < 0 || c0 + n > Cols) throw new ArgumentOutOfRangeException(nameof(c0), $"columns [{c0},{c0 + n}) outside [0,{Cols})");
        return this with { Offset = Offset + c0, Cols = n };
    }

    public long End => Rows == 0 ? Offset : Offset + (long)(Rows - 1) * Ld + Cols;
}
