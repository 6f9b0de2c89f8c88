using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Cpu;

internal static unsafe partial class OpenBlas
{
    [LibraryImport(Lib, EntryPoint = "openblas_get_num_threads")]
    private static partial int GetThreadCount();

    [LibraryImport(Lib, EntryPoint = "openblas_set_num_threads")]
    private static partial void SetThreadCount(int n);

    /// <summary>
    /// Single-threaded sgemm until the scope ends, for ops that call many small GEMMs from a Parallel.For:
    /// OpenBLAS's own threads on top of the loop's would oversubscribe the cores. OpenBLAS 0.3.21 has only a
    /// global thread count (no per-call one), so the scope restores it; ops run one at a time.
    /// </summary>
    public static SerialScope Serial()
    {
        int n = GetThreadCount();
        if (n > 1) SetThreadCount(1);
        return new SerialScope(n);
    }

    public readonly struct SerialScope(int threads) : IDisposable
    {
        public void Dispose()
        {
            if (threads > 1) SetThreadCount(threads);
        }
    }
}
