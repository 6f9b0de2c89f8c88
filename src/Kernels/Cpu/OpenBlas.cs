using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Cpu;

/// <summary>P/Invoke to OpenBLAS's cblas_sgemm (Debian: libopenblas0-pthread).</summary>
internal static unsafe partial class OpenBlas
{
    private const string Lib = "libopenblas.so.0";
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    [LibraryImport(Lib, EntryPoint = "cblas_sgemm")]
    private static partial void cblas_sgemm(int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [LibraryImport(Lib)]
    private static partial byte* openblas_get_corename();
    [LibraryImport(Lib)]
    private static partial byte* openblas_get_config();
    [LibraryImport(Lib)]
    private static partial int openblas_get_num_threads();
    [LibraryImport(Lib)]
    private static partial void openblas_set_num_threads(int n);

    /// <summary>The kernel set OpenBLAS chose as it loaded (e.g. "Haswell", or "Prescott" when it did not know the CPU).</summary>
    public static string CoreName => Marshal.PtrToStringUTF8((nint)openblas_get_corename()) ?? "";

    /// <summary>The build line, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64".</summary>
    public static string Config => Marshal.PtrToStringUTF8((nint)openblas_get_config()) ?? "";

    /// <summary>Threads of every GEMM; process-wide, as OpenBLAS has one pool.</summary>
    public static int Threads { get => openblas_get_num_threads(); set => openblas_set_num_threads(value); }

    /// <summary>Whether the library can be loaded, without throwing.</summary>
    public static bool Available => LoadError.Value is null;

    private static readonly Lazy<string?> LoadError = new(() =>
    {
        // After a GEMM, OpenBLAS's threads spin for 2^28 cycles (~0.1 s) waiting for the next one, taking
        // the cores from the backend's parallel loops in between; 2^4 puts them to sleep at once. Read only
        // as the library loads; measured in the README (CPU backend).
        if (!NativeEnvironment.IsSet("GOTO_THREAD_TIMEOUT"))
            NativeEnvironment.SetDefault("OPENBLAS_THREAD_TIMEOUT", "4");
        try { return NativeLibrary.TryLoad(Lib, typeof(OpenBlas).Assembly, null, out _) ? null : "not found"; }
        catch (Exception e) { return e.Message; }
    });

    /// <summary>Throws a clear error when OpenBLAS is not installed.</summary>
    public static void EnsureLoaded()
    {
        if (LoadError.Value is { } err)
            throw new InvalidOperationException($"the cpu backend needs OpenBLAS ({Lib}: {err}); install it with `apt-get install libopenblas0-pthread`");
    }

    /// <summary>C[M,N] = A^T B + beta C with A stored [K, M] and B [K, N], row-major (weight gradients).</summary>
    public static void GemmTransA(int m, int n, int k, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (m == 0 || n == 0) return;
        cblas_sgemm(RowMajor, Trans, NoTrans, m, n, k, 1f, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>C[M,N] = alpha A[M,K] op(B) + beta C, row-major; op(B) = B^T when <paramref name="transB"/> (B stored [N,K]).</summary>
    public static void Gemm(int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, bool transB, float beta, float* c, int ldc)
    {
        if (m == 0 || n == 0) return;
        cblas_sgemm(RowMajor, NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
