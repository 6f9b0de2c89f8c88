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

    private static readonly Lazy<string?> LoadError = new(() =>
    {
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
