using NativeTV.Kernels;
using NativeTV.Sae;
using NativeTV.Tests.Ops;

namespace NativeTV.Tests.Sae;

/// <summary>
/// Gradient pursuit recovers the support of planted non-negative codes over a random unit-norm
/// dictionary. On cpu: the algorithm is the same on every backend (DeviceSaeTests checks ilgpu-cpu
/// against the reference), and 200 trials are too slow on ILGPU's simulator.
/// </summary>
public class PursuitRecoveryTests
{
    [Test]
    public void RecoversPlantedSupportsInAtLeast95PercentOfTrials()
    {
        const string device = "cpu";
        const int dIn = 64, dSae = 256, support = 4, trials = 200;
        var rng = new Random(11);
        var dict = TestData.Normal(rng, dSae * dIn);
        for (int j = 0; j < dSae; j++)
        {
            var row = dict.AsSpan(j * dIn, dIn);
            float n = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row));
            System.Numerics.Tensors.TensorPrimitives.Divide(row, n, row);
        }
        var sae = new NativeTV.Sae.Sae
        {
            Arch = SaeArchitecture.Standard, DIn = dIn, DSae = dSae, WEnc = new float[dIn * dSae], WDec = dict,
            BDec = new float[dIn], BEnc = new float[dSae], ApplyBDecToInput = false,
        };
        // Codes: `support` distinct features with coefficients in [0.5, 1.5].
        var planted = new int[trials][];
        var y = new float[trials * dIn];
        for (int t = 0; t < trials; t++)
        {
            planted[t] = Enumerable.Range(0, dSae).OrderBy(_ => rng.Next()).Take(support).Order().ToArray();
            foreach (int j in planted[t])
            {
                float c = 0.5f + rng.NextSingle();
                for (int i = 0; i < dIn; i++) y[t * dIn + i] += c * dict[j * dIn + i];
            }
        }
        using var be = BackendFactory.Create(device);
        using var ds = new DeviceSae(sae, be);
        var coeffs = be.AllocMat(trials, dSae);
        var recon = be.AllocMat(trials, dIn);
        ds.Pursuit(be.UploadMat(y, trials, dIn), new PursuitOptions(K: support), coeffs, recon);
        var w = be.Download(coeffs);
        int recovered = Enumerable.Range(0, trials).Count(t =>
            Enumerable.Range(0, dSae).Where(j => w[t * dSae + j] > 0).SequenceEqual(planted[t]));
        TestContext.Out.WriteLine($"{device}: {recovered}/{trials} supports recovered");
        Assert.That(recovered, Is.GreaterThanOrEqualTo(0.95 * trials));
    }
}
