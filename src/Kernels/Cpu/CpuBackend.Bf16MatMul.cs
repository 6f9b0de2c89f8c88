using System.Numerics.Tensors;

namespace NativeTV.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>Reused scratch of the bf16 matmuls: x rounded, a trainable W rounded, and C where y is strided or accumulated.</summary>
    private ushort[] _xBf16 = [], _wBf16 = [];
    private float[] _cScratch = [];

    /// <summary>
    /// y (+)= x op(W) in bf16 precision: x rounded to bf16 (to nearest even), W in bf16 (<see cref="Bf16Weight"/>),
    /// float32 accumulation and output through oneDNN. op(W) = W^T (<see cref="MatMul"/>) or W (<see cref="MatMulNoTranspose"/>).
    /// </summary>
    private void Bf16Product(Mat x, CpuWeight w, bool transW, Mat y, bool accumulate)
    {
        int m = x.Rows, n = transW ? w.Rows : w.Cols, k = transW ? w.Cols : w.Rows;
        if (m == 0) return;
        var xs = Grow(ref _xBf16, (long)m * k);
        if (x.Ld == k) Bf16Gemm.Round(new ReadOnlySpan<float>(P(x), m * k), xs);
        else for (int r = 0; r < m; r++) Bf16Gemm.Round(Row(x, r)[..k], xs.Slice(r * k, k));
        var ws = Bf16Weight(w);
        if (!accumulate && y.Ld == n) { _bf16!.Multiply(m, n, k, xs, ws, transW, new Span<float>(P(y), m * n)); return; }
        var c = Grow(ref _cScratch, (long)m * n);
        _bf16!.Multiply(m, n, k, xs, ws, transW, c);
        for (int r = 0; r < m; r++)
        {
            var cr = c.Slice(r * n, n);
            if (accumulate) TensorPrimitives.Add(Row(y, r), cr, Row(y, r)); else cr.CopyTo(Row(y, r));
        }
    }

    /// <summary>
    /// W [Rows, Cols] in bf16: as stored when BF16. An uploaded F32/F16 weight is rounded once and kept with the
    /// weight (a memory cost of half the f32 weight) so later calls pay only the GEMM; a trainable view is
    /// rounded at each call, as its optimiser changes it between calls.
    /// </summary>
    private ReadOnlySpan<ushort> Bf16Weight(CpuWeight w)
    {
        int count = checked(w.Rows * w.Cols);
        if (w.DType == DType.BF16) return new ReadOnlySpan<ushort>(w.Ptr, count);
        if (w.Bf16Copy is { } kept) return kept;
        ushort[] dst;
        if (w.Trainable) { Grow(ref _wBf16, count); dst = _wBf16; }
        else dst = new ushort[count];
        ForEachRowBlock(w, (r0, rows, block) => Bf16Gemm.Round(new ReadOnlySpan<float>(block, rows * w.Cols), dst.AsSpan(r0 * w.Cols)));
        if (!w.Trainable) w.Bf16Copy = dst;
        return dst.AsSpan(0, count);
    }

    private static Span<T> Grow<T>(ref T[] buffer, long length)
    {
        if (buffer.Length < length) buffer = new T[checked((int)length)];
        return buffer.AsSpan(0, (int)length);
    }
}
