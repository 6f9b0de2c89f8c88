using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>Rows of a 16-bit weight widened per GEMM call: bounded scratch, never a second copy of the model.</summary>
    private const long WidenChunkFloats = 4 << 20;

    /// <summary>Forward: y = x W^T (OpenBLAS in f32, oneDNN in bf16).</summary>
    public void MatMul(Mat x, DeviceWeight w, Mat y)
    {
        if (_bf16 is not null) { Bf16Product(x, (CpuWeight)w, transW: true, y, accumulate: false); return; }
        ForEachRowBlock((CpuWeight)w, (r0, n, rows) =>
            OpenBlas.Gemm(x.Rows, n, w.Cols, 1f, P(x), x.Ld, rows, w.Cols, true, 0f, P(y) + r0, y.Ld));
    }

    /// <summary>y (+)= x W (the input gradient of MatMul, a dense decode): one GEMM per row block of W (column block of x).</summary>
    public void MatMulNoTranspose(Mat x, DeviceWeight w, Mat y, bool accumulate)
    {
        if (_bf16 is not null) { Bf16Product(x, (CpuWeight)w, transW: false, y, accumulate); return; }
        ForEachRowBlock((CpuWeight)w, (r0, n, rows) =>
            OpenBlas.Gemm(x.Rows, w.Cols, n, 1f, P(x) + r0, x.Ld, rows, w.Cols, false, accumulate || r0 > 0 ? 1f : 0f, P(y), y.Ld));
    }

    /// <summary>Weight gradient: dW (+)= dy^T x, float32 in either precision (the bf16 GEMM is for the forward and input gradient).</summary>
    public void MatMulWeightGrad(Mat dy, Mat x, Mat dW, bool accumulate) =>
        OpenBlas.GemmTransA(dy.Cols, x.Cols, dy.Rows, P(dy), dy.Ld, P(x), x.Ld, accumulate ? 1f : 0f, P(dW), dW.Ld);

    private delegate void RowBlock(int r0, int n, float* rows);

    /// <summary>Hands W to <paramref name="body"/> as float32 row blocks: F32 in one block without a copy, 16-bit widened block by block.</summary>
    private static void ForEachRowBlock(CpuWeight w, RowBlock body)
    {
        if (w.DType == DType.F32) { body(0, w.Rows, (float*)w.Ptr); return; }
        int chunk = (int)Math.Max(1, Math.Min(w.Rows, WidenChunkFloats / w.Cols));
        float* scratch = (float*)NativeMemory.AlignedAlloc((nuint)((long)chunk * w.Cols * 4), 64);
        try
        {
            for (int r0 = 0; r0 < w.Rows; r0 += chunk)
            {
                int n = Math.Min(chunk, w.Rows - r0);
                WidenParallel(w, r0, n, scratch);
                body(r0, n, scratch);
            }
        }
        finally { NativeMemory.AlignedFree(scratch); }
    }

    private static void WidenParallel(CpuWeight w, int r0, int n, float* dst)
    {
        const int rowsPerTask = 64;
        int tasks = (n + rowsPerTask - 1) / rowsPerTask;
        ParallelRows(tasks, (long)rowsPerTask * w.Cols, t =>
        {
            int a = t * rowsPerTask, m = Math.Min(rowsPerTask, n - a);
            w.WidenRows(r0 + a, m, dst + (long)a * w.Cols);
        });
    }
}
