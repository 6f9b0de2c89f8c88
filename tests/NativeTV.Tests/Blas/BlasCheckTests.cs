using NativeTV.Kernels.Cpu;

namespace NativeTV.Tests.Blas;

/// <summary>The check a forced kernel set must pass: OpenBLAS agrees with the double reference, a wrong GEMM does not.</summary>
public class BlasCheckTests
{
    [Test]
    public void OpenBlasAgreesWithTheReference() => Assert.That(BlasCheck.Disagreement(), Is.Null);

    [Test]
    public void AProductMissingOneTermIsCaught()
    {
        // Like a kernel whose edge code drops the last K step: right almost everywhere, wrong nonetheless.
        string? d = BlasCheck.Disagreement((m, n, k, ta, tb, a, b, c) =>
        {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    for (int p = 0; p < k - 1; p++)
                        c[i * n + j] += a[ta ? p * m + i : i * k + p] * b[tb ? j * k + p : p * n + j];
        });
        Assert.That(d, Does.StartWith("C[0,0] = "));
    }

    [Test]
    public void EachTransposeCaseIsChecked()
    {
        // Right for A B and A B^T, wrong for A^T B (it reads A untransposed).
        string? d = BlasCheck.Disagreement((m, n, k, ta, tb, a, b, c) =>
        {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    for (int p = 0; p < k; p++)
                        c[i * n + j] += a[i * k + p] * b[tb ? j * k + p : p * n + j];
        });
        Assert.That(d, Does.Contain("(A^T B,"));
    }
}
