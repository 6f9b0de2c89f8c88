using NativeTV.Kernels;
using NativeTV.Kernels.Cpu;

namespace NativeTV.Tests.Ops;

/// <summary>
/// The cpu backend in bf16 precision (oneDNN): y = x W^T and y (+)= x W against a float64 product of the
/// bf16-rounded operands, at odd shapes, with W stored in each dtype or a trainable view, x and y dense or strided.
/// Skipped where libdnnl2 is not installed.
/// </summary>
public class CpuBf16MatMulTests
{
    private const double Tol = 1e-5;
    private IBackend be = null!;

    [OneTimeSetUp]
    public void CreateBackend()
    {
        if (!Bf16Gemm.Available) Assert.Ignore("oneDNN (libdnnl.so.2) is not installed: apt-get install libdnnl2");
        be = BackendFactory.Create("cpu", Precision.BF16);
    }

    [OneTimeTearDown] public void DisposeBackend() => be?.Dispose();

    public enum Weight { BF16, F16, F32, Trainable }

    private static double[] Rounded(IEnumerable<float> v) => v.Select(x => (double)DType.BF16.RoundTo(x)).ToArray();

    [Test]
    public void MatchesTheDoubleProductOfTheRoundedOperands(
        [Values(17, 1)] int m, [Values] Weight weight, [Values(false, true)] bool strided, [Values(false, true)] bool accumulate)
    {
        // 17x33x40 and 1x8x16 (M x N x K): y = x W^T with W [N, K]; dx (+)= dy W.
        (int n, int k) = m == 17 ? (33, 40) : (8, 16);
        var rng = new Random(m * 13 + (int)weight * 3 + (strided ? 1 : 0));
        var x = TestData.Normal(rng, m * k);
        var wv = TestData.Normal(rng, n * k);
        var wt = HostTensor.FromFloats("w", wv, [n, k], weight switch { Weight.BF16 => DType.BF16, Weight.F16 => DType.F16, _ => DType.F32 });
        using var wBuf = weight == Weight.Trainable ? be.Upload(wv) : null;
        using var w = wBuf is null ? be.Upload(wt) : be.AsWeight(wBuf, 0, n, k, "w");
        var wr = Rounded(wt.ToFloats());

        // Twice: the second call reads a kept bf16 copy of an uploaded f32/f16 weight.
        for (int call = 0; call < 2; call++)
        {
            var y = Upload(TestData.Normal(rng, m * n), m, n, strided);
            be.MatMul(Upload(x, m, k, strided), w, y);
            Assert.That(TestData.RelMaxError(be.Download(y), ScalarReference.MatMul(Rounded(x), m, k, wr, n)), Is.LessThan(Tol), $"x W^T, call {call}");
        }

        var dy = TestData.Normal(rng, m * n);
        var dx0 = TestData.Normal(rng, m * k);
        var dx = Upload(dx0, m, k, strided);
        be.MatMulNoTranspose(Upload(dy, m, n, strided), w, dx, accumulate);
        var expected = ScalarReference.MatMulBackward(Rounded(dy), m, n, wr, k);
        if (accumulate) for (int i = 0; i < expected.Length; i++) expected[i] += dx0[i];
        Assert.That(TestData.RelMaxError(be.Download(dx), expected), Is.LessThan(Tol), "dy W");
    }

    /// <summary>An optimiser changes a trainable weight in place: the next matmul must see the new values, not a kept copy.</summary>
    [Test]
    public void ATrainableWeightIsReadAfresh()
    {
        const int m = 3, n = 5, k = 7;
        var rng = new Random(2);
        var x = TestData.Normal(rng, m * k);
        using var wBuf = be.Upload(TestData.Normal(rng, n * k));
        using var w = be.AsWeight(wBuf, 0, n, k, "w");
        var y = Upload(new float[m * n], m, n, strided: false);
        be.MatMul(Upload(x, m, k, strided: false), w, y);
        var updated = TestData.Normal(rng, n * k);
        be.CopyToDevice<float>(updated, wBuf);
        be.MatMul(Upload(x, m, k, strided: false), w, y);
        Assert.That(TestData.RelMaxError(be.Download(y), ScalarReference.MatMul(Rounded(x), m, k, Rounded(updated), n)), Is.LessThan(Tol));
    }

    private Mat Upload(float[] dense, int rows, int cols, bool strided)
    {
        int padLeft = strided ? 3 : 0, ld = cols + (strided ? 5 : 0);
        var host = new float[rows * ld];
        for (int r = 0; r < rows; r++) Array.Copy(dense, r * cols, host, r * ld + padLeft, cols);
        return new Mat(be.Upload(host), padLeft, rows, cols, ld);
    }
}
