using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>Rows of a 16-bit weight widened per GEMM call: bounded scratch, never a second copy of the model.</summary>
    private const long WidenChunkFloats = 4 << 20;

    public void MatMul(Mat x, DeviceWeight w, Mat y)
    {
        var cw = (CpuWeight)w;
        if (x.Cols != w.Cols || y.Cols != w.Rows || x.Rows != y.Rows)
            throw new ArgumentException($"MatMul shapes: x [{x.Rows},{x.Cols}] W^T of {w.Name} [{w.Rows},{w.Cols}] -> y [{y.Rows},{y.Cols}]");
        int k = w.Cols;
        if (w.DType == DType.F32)
        {
            OpenBlas.Gemm(x.Rows, w.Rows, k, 1f, P(x), x.Ld, (float*)cw.Ptr, k, true, 0f, P(y), y.Ld);
            return;
        }
        int chunk = (int)Math.Max(1, Math.Min(w.Rows, WidenChunkFloats / k));
        float* scratch = (float*)NativeMemory.AlignedAlloc((nuint)((long)chunk * k * 4), 64);
        try
        {
            for (int r0 = 0; r0 < w.Rows; r0 += chunk)
            {
                int n = Math.Min(chunk, w.Rows - r0);
                WidenParallel(cw, r0, n, scratch);
                OpenBlas.Gemm(x.Rows, n, k, 1f, P(x), x.Ld, scratch, k, true, 0f, P(y) + r0, y.Ld);
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
