namespace NativeTV.Kernels.Cpu;

internal static unsafe partial class OpenBlas
{
    /// <summary>
    /// Single-threaded sgemm until the scope ends, for ops that call many small GEMMs from a Parallel.For:
    /// OpenBLAS's own threads on top of the loop's would oversubscribe the cores. OpenBLAS 0.3.21 has only a
    /// global thread count (no per-call one), so the scope restores it; ops run one at a time.
    /// </summary>
    public static SerialScope Serial()
    {
        int n = Threads;
        if (n > 1) Threads = 1;
        return new SerialScope(n);
    }

    public readonly struct SerialScope(int threads) : IDisposable
    {
        /// <summary>The thread count outside the scope: how many of the op's own tasks may run at once.</summary>
        public int Outer => Math.Max(1, threads);

        public void Dispose()
        {
            if (threads > 1) Threads = threads;
        }
    }
}
