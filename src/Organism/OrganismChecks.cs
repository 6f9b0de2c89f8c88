using NativeTV.Transformer.Model;
using NativeTV.TaskVectors;

namespace NativeTV.Organism;

/// <summary>One measured check beside the range ORGANISM.md expects (a bound left null is open).</summary>
public sealed record OrganismCheck(string Name, double Value, double? Min, double? Max, string Expected)
{
    public bool Pass => double.IsFinite(Value) && (Min is null || Value >= Min) && (Max is null || Value <= Max);
}

/// <summary>Zero-shot metric at one layer, averaged over tasks (singular left out): no steering, +TV, +2xTV, patching the TV in, TV minus the corrupted mean.</summary>
public sealed record OrganismLayerRow(int Layer, ScoreSummary None, ScoreSummary Tv, ScoreSummary Tv2, ScoreSummary Patch, ScoreSummary TvMinusCorrupted);

public sealed record OrganismCheckReport(
    IReadOnlyDictionary<string, double> IclAccuracy, IReadOnlyList<OrganismLayerRow> Layers, int BestLayer, IReadOnlyList<OrganismCheck> Checks)
{
    public bool AllPass => Checks.All(c => c.Pass);
}

/// <summary>
/// The checks of ORGANISM.md on a trained organism: ICL accuracy by shots and word split, and at every
/// layer the zero-shot metric with the task vector (mean resid_pre[L] at the final `->` of 256 eight-shot
/// prompts per task) added, doubled, patched in, and with the mean over random-pair prompts subtracted.
/// </summary>
public static class OrganismChecks
{
    public const int IclPrompts = 64, TvPrompts = 256, TvShots = 8;
    public static readonly int[] Shots = [0, 1, 2, 4, 8];

    /// <summary>Tasks that averages use: "singular" is solved with no steering (its input form is unique to it).</summary>
    public static IEnumerable<OrganismTask> Averaged => OrganismWorld.Tasks.Where(t => t.Name != "singular");

    public static OrganismCheckReport Run(TransformerModel m, int seed = 0, Action<string>? progress = null)
    {
        var icl = new Dictionary<string, double>();
        double IclAccuracy(int shots, WordSplit split, IEnumerable<OrganismTask>? over = null) => (over ?? Averaged).Average(t =>
            ScoreSummary.Of(PromptScorer.Score(m, OrganismPrompts.Sample(t, shots, IclPrompts, split, seed), nFirst: 1)).Accuracy);
        foreach (int k in Shots)
        {
            progress?.Invoke($"ICL accuracy, {k} shots");
            icl[$"train/{k}"] = IclAccuracy(k, WordSplit.Train);
        }
        // The study's 0-shot and no-steering figures (0.25, nll 1.65) are over all 12 tasks: singular (solved
        // with no steering) included, 11 guessed tasks plus 1 gives 3/12. Those two are checked that way.
        icl["train/0, 12 tasks"] = IclAccuracy(0, WordSplit.Train, OrganismWorld.Tasks);
        icl["text-only/8"] = IclAccuracy(8, WordSplit.TextOnly);
        icl["unseen/8"] = IclAccuracy(8, WordSplit.Unseen);

        var layers = Enumerable.Range(0, m.Config.Layers + 1).ToArray();
        var tasks = Averaged.ToList();
        progress?.Invoke("task vectors and corrupted means");
        var tv = tasks.Select(t => TaskVectorExtractor.Mean(m, OrganismPrompts.Sample(t, TvShots, TvPrompts, WordSplit.Train, seed + 1), layers, lastOnly: true)).ToList();
        var corrupted = tasks.Select(t => TaskVectorExtractor.Mean(m, OrganismPrompts.RandomPairs(t, TvShots, TvPrompts, seed + 1), layers, lastOnly: true)).ToList();
        var zeroShot = tasks.Select(t => OrganismPrompts.ZeroShot(t, WordSplit.Train)).ToList();

        ScoreSummary Mean(Func<int, Steer?> steer)
        {
            var s = tasks.Select((_, i) => ScoreSummary.Of(PromptScorer.Score(m, zeroShot[i], steer(i), nFirst: 1))).ToList();
            return new ScoreSummary(s.Average(x => x.Nll), s.Average(x => x.Accuracy), s.Sum(x => x.Count));
        }
        var none = Mean(_ => null);
        var none12 = ScoreSummary.Of(OrganismWorld.Tasks.SelectMany(t => PromptScorer.Score(m, OrganismPrompts.ZeroShot(t, WordSplit.Train), null, nFirst: 1)).ToList());
        var rows = new List<OrganismLayerRow>();
        foreach (int L in layers)
        {
            progress?.Invoke($"steering at layer {L}");
            rows.Add(new OrganismLayerRow(L, none,
                Mean(i => new Steer(L, tv[i][L])),
                Mean(i => new Steer(L, tv[i][L], 2f)),
                Mean(i => new Steer(L, tv[i][L], Replace: true)),
                Mean(i => new Steer(L, tv[i][L].Select((v, j) => v - corrupted[i][L][j]).ToArray()))));
        }
        var best = rows.MaxBy(r => r.Tv.Accuracy)!;

        var checks = new List<OrganismCheck>
        {
            new("ICL accuracy, train words, 0 shots (12 tasks)", icl["train/0, 12 tasks"], 0.20, 0.30, "0.25 +- 0.05"),
            new("ICL accuracy, train words, min over 1-8 shots", Shots.Where(k => k > 0).Min(k => icl[$"train/{k}"]), 0.98, null, ">= 0.98"),
            // Held-out words: the study's figures are floors here; a model that generalises further is not worse for it.
            new("ICL accuracy, text-only words, 8 shots", icl["text-only/8"], 0.75, null, "0.85 +- 0.10 (floor checked)"),
            new("ICL accuracy, unseen words, 8 shots", icl["unseen/8"], 0.30, null, "about 0.5 (floor checked)"),
            new("best task-vector layer", best.Layer, 1, 3, "2 +- 1"),
            new("zero-shot accuracy, no steering (12 tasks)", none12.Accuracy, 0.20, 0.30, "0.25"),
            new("zero-shot nll, no steering (12 tasks)", none12.Nll, 1.45, 1.85, "1.65"),
            new("+TV accuracy at the best layer", best.Tv.Accuracy, 0.85, null, "0.85-0.97"),
            new("+2xTV accuracy at the best layer", best.Tv2.Accuracy, 0.93, null, ">= 0.93"),
            new("patched-TV accuracy at the best layer", best.Patch.Accuracy, 0.93, null, ">= 0.93"),
            new("TV minus corrupted mean, accuracy at the best layer", best.TvMinusCorrupted.Accuracy, 0.73, 0.93, "~0.83"),
            new("+TV accuracy at layers 0-1 (max)", rows.Where(r => r.Layer <= 1).Max(r => r.Tv.Accuracy), null, 0.5, "<= 0.5"),
        };
        return new OrganismCheckReport(icl, rows, best.Layer, checks);
    }
}
