using NativeTV.Kernels;
using NativeTV.Sae;
using NativeTV.Sae.Formats;
using NativeTV.Tests.Ops;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Tests.Sae;

/// <summary>
/// SAEs NativeTV never saw (tests/fixtures/sae, made by an independent PyTorch reference): encode,
/// decode and gradient pursuit on every backend match within 1e-4 of each row's largest value.
/// </summary>
[TestFixtureSource(typeof(TestBackends), nameof(TestBackends.Names))]
public class DeviceSaeTests(string device) : BackendFixture(device)
{
    private const double Tol = 1e-4;

    public static readonly string[] Encodable =
        ["saelens_standard", "saelens_gated", "saelens_jumprelu", "saelens_topk", "saelens_pre6_standard", "saelens_normscale", "dictlearn_gated", "gemmascope_jumprelu"];

    /// <summary>
    /// Not saelens_normscale: NativeTV folds the input scale into the weights, so its pursuit runs over
    /// the folded decoder (same reconstructions, coefficients x s) while the fixture used the stored one.
    /// </summary>
    public static readonly string[] Pursuable =
        ["saelens_standard", "saelens_gated", "saelens_jumprelu", "saelens_topk", "saelens_pre6_standard", "dictlearn_gated", "gemmascope_jumprelu"];

    private static void AssertRows(float[] actual, float[] expected, int cols, string what)
    {
        for (int r = 0; r < expected.Length / cols; r++)
            Assert.That(TestData.RelMaxError(actual.AsSpan(r * cols, cols), expected.AsSpan(r * cols, cols)), Is.LessThan(Tol), $"{what}, row {r}");
    }

    [TestCaseSource(nameof(Encodable))]
    public void EncodeAndDecodeMatchTheReference(string name)
    {
        var s = SaeLoader.Load(Fixtures.Dir("sae", name));
        using var exp = new SafetensorsFile(Fixtures.Dir("sae", name, "expected.safetensors"));
        using var ds = new DeviceSae(s, be);
        var x = exp.ReadFloats("x");
        int n = x.Length / s.DIn;
        Mat z = Zeros(n, s.DSae), xh = Zeros(n, s.DIn);
        ds.Encode(Strided(x, n, s.DIn), z, z);
        ds.Decode(z, xh);
        AssertRows(be.Download(z), exp.ReadFloats("f"), s.DSae, "f");
        AssertRows(be.Download(xh), exp.ReadFloats("x_hat"), s.DIn, "x_hat");
    }

    [TestCaseSource(nameof(Pursuable))]
    public void GradientPursuitMatchesTheReference(string name)
    {
        var s = SaeLoader.Load(Fixtures.Dir("sae", name));
        using var exp = new SafetensorsFile(Fixtures.Dir("sae", name, "expected.safetensors"));
        using var ds = new DeviceSae(s, be);
        var y = exp.ReadFloats("y");
        int n = y.Length / s.DIn;
        foreach (var (key, opts) in new[]
        {
            ("pursuit_k3", new PursuitOptions(3)),
            ("pursuit_k6_signed", new PursuitOptions(6, Signed: true)),
            ("pursuit_k4_subbdec_norm", new PursuitOptions(4, SubtractBDec: true, NormalizeRows: true)),
        })
        {
            Mat c = Zeros(n, s.DSae), rc = Zeros(n, s.DIn);
            ds.Pursuit(Strided(y, n, s.DIn), opts, c, rc);
            AssertRows(be.Download(c), exp.ReadFloats(key + "_coeffs"), s.DSae, key + " coeffs");
            AssertRows(be.Download(rc), exp.ReadFloats(key + "_recon"), s.DIn, key + " recon");
        }
    }
}
