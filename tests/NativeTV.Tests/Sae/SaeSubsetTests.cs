using NativeTV.Sae;
using NativeTV.Tests.Ops;
using SaeModel = NativeTV.Sae.Sae;

namespace NativeTV.Tests.Sae;

/// <summary>Sae.Subset: feature j of the cut-down SAE encodes exactly as feature ids[j] of the full one; TopK has no subsets.</summary>
public class SaeSubsetTests
{
    /// <summary>A random SAE of any architecture whose features fire on about half of small random inputs.</summary>
    public static SaeModel RandomSae(SaeArchitecture arch, int dIn, int dSae, int seed = 11)
    {
        var rng = new Random(seed);
        float[] R(int n, double std, double mean = 0) => TestData.Normal(rng, n, std).Select(x => (float)(x + mean)).ToArray();
        bool gated = arch == SaeArchitecture.Gated;
        return new SaeModel
        {
            Arch = arch, DIn = dIn, DSae = dSae, WEnc = R(dIn * dSae, 0.5), WDec = R(dSae * dIn, 0.3), BDec = R(dIn, 0.05),
            BEnc = gated ? null : R(dSae, 0.1, -0.1), BGate = gated ? R(dSae, 0.1, -0.1) : null, RMag = gated ? R(dSae, 0.2) : null,
            BMag = gated ? R(dSae, 0.1) : null, Threshold = arch == SaeArchitecture.JumpRelu ? R(dSae, 0.02, 0.05) : null,
            K = arch == SaeArchitecture.TopK ? dSae / 4 : 0, ApplyBDecToInput = true,
        };
    }

    [TestCase(SaeArchitecture.Standard)]
    [TestCase(SaeArchitecture.Gated)]
    [TestCase(SaeArchitecture.JumpRelu)]
    public void SubsetFeaturesEncodeAsInTheFullSae(SaeArchitecture arch)
    {
        var sae = RandomSae(arch, 16, 40);
        int[] ids = [7, 0, 39, 12];
        var sub = sae.Subset(ids);
        Assert.That(sub.WDec, Is.EqualTo(ids.SelectMany(j => sae.WDec.Skip(j * 16).Take(16))));
        var rng = new Random(2);
        for (int n = 0; n < 20; n++)
        {
            var x = TestData.Normal(rng, 16, 0.3);
            var full = SaeScalarReference.Encode(sae, x);
            Assert.That(SaeScalarReference.Encode(sub, x), Is.EqualTo(ids.Select(j => full[j])));
        }
    }

    [Test]
    public void TopKHasNoSubsets() =>
        Assert.Throws<InvalidOperationException>(() => RandomSae(SaeArchitecture.TopK, 16, 40).Subset([1, 2]));
}
