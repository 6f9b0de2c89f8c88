using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.RunFolders;

/// <summary>Claims over prompt seeds: matched by name without the numbers a run measured, a claim a seed lacks said so.</summary>
public class RepeatClaimsTests
{
    private static Claim C(string name, double value, string verdict) => new(name, "m", value, [value - 1, value + 1], "r", verdict);

    [Test]
    public void AClaimIsTheSameAcrossSeedsUpToTheNumbersItsRunMeasured()
    {
        Assert.That(RepeatClaims.Key("the task vector lowers the zero-shot loss at its best layer (3)"),
            Is.EqualTo(RepeatClaims.Key("the task vector lowers the zero-shot loss at its best layer (12)")));
        Assert.That(RepeatClaims.Key("layer 2: cleaning keeps a few features (mean L0 4.5) that steer"), Is.EqualTo("layer 2: cleaning keeps a few features that steer"));
        Assert.That(RepeatClaims.Key("layer 2: x (the fair control)"), Is.EqualTo("layer 2: x (the fair control)"), "words in parentheses are part of the claim");
        Assert.That(RepeatClaims.Key("layer 2: x"), Is.Not.EqualTo(RepeatClaims.Key("layer 3: x")), "the layer a claim is about is part of it");
    }

    [Test]
    public void EveryClaimOfTheFirstSeedGainsEachSeedsMeasurementAndACount()
    {
        var across = RepeatClaims.Across([
            (5, [C("best layer (2)", -1, "holds"), C("layer 2: a", 0.5, "partly")]),
            (6, [C("best layer (3)", -2, "holds"), C("layer 9: only here", 1, "holds")]),
            (7, [C("layer 2: a", -0.5, "holds"), C("best layer (2)", 0.1, "not")]),
        ]);
        Assert.That(across.Select(c => c.Name), Is.EqualTo(new[] { "best layer (2)", "layer 2: a" }), "the first seed's claims, in its order");
        Assert.That(across[0].Seeds!.Select(s => (s.Seed, s.Value, s.Verdict)), Is.EqualTo(new (int, double?, string)[] { (5, -1, "holds"), (6, -2, "holds"), (7, 0.1, "not") }));
        Assert.That(across[0].AcrossSeeds, Is.EqualTo("holds in 2 of 3 prompt seeds (not 1)"));
        Assert.That(across[1].Seeds![1], Is.EqualTo(new ClaimSeed(6, null, null, "not measured")));
        Assert.That(across[1].AcrossSeeds, Is.EqualTo("holds in 1 of 3 prompt seeds (partly 1, not measured 1)"));
        Assert.That(across[1].Value, Is.EqualTo(0.5), "the run folder's own numbers stay");
    }
}
