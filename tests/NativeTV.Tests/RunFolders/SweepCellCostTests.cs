using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Experiments;

namespace NativeTV.Tests.RunFolders;

/// <summary>
/// The shard-balancing cost of a cell counts held-out scoring: each held-out query once for the TV, and once more for the
/// cleaned vector where the layer has an SAE; tasks without splits cost what they did.
/// </summary>
public class SweepCellCostTests
{
    [Test]
    public void HeldOutQueriesAddOneForwardPerScoredVector()
    {
        (string, string)[] pairs = [("a", "A"), ("b", "B"), ("c", "C"), ("c", "C"), ("a", "A"), ("d", "D"), ("e", "E")];
        var plain = new IclTask("t", pairs, "test");
        // Held out by hand: unseen {c} (the second c is the same input; a is a train input), text-only {d, e}: 3 queries.
        var split = new IclTask("t", pairs, "test", ["train", "train", "unseen", "unseen", "unseen", "text-only", "text-only"]);
        Assert.That(HeldOutPrompts.Queries(split).Select(s => (s.Split, s.Pairs.Length)), Is.EqualTo(new[] { ("text-only", 2), ("unseen", 1) }));

        var dir = Fixtures.TempDir();
        Directory.CreateDirectory(Path.Combine(dir, "sae-1"));
        string pattern = Path.Combine(dir, "sae-{layer}");
        var counts = new PromptCounts(Icl: 4, Clean: 6, Eval: 8);
        var o = new SweepOptions([0, 1], Cleaning: new CleaningOptions(Steps: 10), Lambdas: [0.01f, 0.1f]);

        double noSae = SweepCellCost.Of(pattern, counts, o, plain, 0), sae = SweepCellCost.Of(pattern, counts, o, plain, 1);
        Assert.That(noSae, Is.EqualTo(2.0 * 8));
        Assert.That(sae, Is.EqualTo(2.0 * 8 + 3.0 * 8 + 3.0 * 6 * 10 * 2));
        Assert.That(SweepCellCost.Of(pattern, counts, o, split, 0), Is.EqualTo(noSae + 3));
        Assert.That(SweepCellCost.Of(pattern, counts, o, split, 1), Is.EqualTo(sae + 2 * 3));
    }
}
