namespace NativeTV.Kernels.Cpu;

/// <summary>
/// One small GEMM of each transpose case the backend uses, against a double-precision reference: a
/// kernel set forced on a CPU the library does not know can run and still compute wrong results.
/// </summary>
public static class BlasCheck
{
    /// <summary>C[m,n] = op(A) op(B), row-major; op(A) = A^T with A stored [k,m], op(B) = B^T with B stored [n,k].</summary>
    public delegate void Product(int m, int n, int k, bool transA, bool transB, float[] a, float[] b, float[] c);

    /// <summary>Odd sizes, beyond every kernel's register tile, so edge code runs too.</summary>
    private const int M = 37, N = 53, K = 71;

    /// <summary>Null when OpenBLAS agrees with the reference, else what differed.</summary>
    public static string? Disagreement() => Disagreement(OpenBlasProduct);

    public static string? Disagreement(Product gemm)
    {
        var rng = new Random(13);
        var a = Enumerable.Range(0, M * K).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var b = Enumerable.Range(0, K * N).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false) })
        {
            var c = new float[M * N];
            gemm(M, N, K, ta, tb, a, b, c);
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++)
                {
                    double sum = 0, magnitude = 0;
                    for (int p = 0; p < K; p++)
                    {
                        double t = (double)a[ta ? p * M + i : i * K + p] * b[tb ? j * K + p : p * N + j];
                        sum += t;
                        magnitude += Math.Abs(t);
                    }
                    // float32 rounding of K terms stays far below 1e-4 of their magnitude; a wrong kernel does not.
                    if (!(Math.Abs(c[i * N + j] - sum) <= 1e-4 * magnitude + 1e-6))
                        return $"C[{i},{j}] = {c[i * N + j]} where {sum:G7} is right ({(ta ? "A^T" : "A")} {(tb ? "B^T" : "B")}, {M}x{N}x{K})";
                }
        }
        return null;
    }

    private static unsafe void OpenBlasProduct(int m, int n, int k, bool transA, bool transB, float[] a, float[] b, float[] c)
    {
        fixed (float* pa = a, pb = b, pc = c)
        {
            if (transA) OpenBlas.GemmTransA(m, n, k, pa, m, pb, n, 0f, pc, n);
            else OpenBlas.Gemm(m, n, k, 1f, pa, k, pb, transB ? k : n, transB, 0f, pc, n);
        }
    }
}
