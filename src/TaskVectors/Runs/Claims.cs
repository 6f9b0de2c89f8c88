using System.Text.Json;
using NativeTV.Transformer.Files;

namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// One of the post's claims measured on a run: the numbers, their 95% interval, the rule that decides, and the verdict;
/// <see cref="Part"/> names the command that decided it (<see cref="Claims.SweepPart"/> or <see cref="Claims.FeaturesPart"/>);
/// after `sweep --repeats` it also holds its measurement in every prompt seed (<see cref="RepeatClaims"/>).
/// </summary>
public sealed record Claim(string Name, string Measure, double Value, double[] Ci95, string Rule, string Verdict, string? Part = null,
    IReadOnlyList<ClaimSeed>? Seeds = null, string? AcrossSeeds = null);

/// <summary>
/// RUN/claims.json: the post's claims about task vectors and cleaning, each decided by a stated rule on the sweep's
/// numbers. Differences are paired by prompt and averaged over tasks (the manifest's mean_excludes left out); their
/// intervals come from resampling every task's evaluation prompts (<see cref="Bootstrap"/>). A claim "holds" when its
/// interval lies wholly on the claimed side, is "partly" when the point estimate does but the interval does not,
/// and is "not" otherwise. SAE claims are decided at each layer the sweep cleaned at where the task vector helps at
/// all (elsewhere "as well as the task vector" is met by doing nothing, and only that the TV does not help is said). The
/// best layer is chosen on the cleaning prompts (<see cref="BestLayer"/>), the claim decided on the evaluation prompts.
/// Where tasks have held-out word splits, the TV and the cleaned vector are also claimed to help there (<see cref="HeldOutClaims"/>).
/// `features` adds its own claims to the file (<see cref="FeatureClaims"/>), each command writing only its part.
/// </summary>
public static class Claims
{
    public const string FileName = "claims.json";

    public static IReadOnlyList<Claim> Measure(IReadOnlyList<SweepCell> cells, IReadOnlyCollection<string>? meanExcludes)
    {
        var kept = cells.Where(c => meanExcludes?.Contains(c.Task) != true).ToList();
        var claims = new List<Claim>();
        // Task vectors work at middle layers: at the layer where the TV does best (on the cleaning prompts), it lowers the zero-shot loss.
        var scored = kept.GroupBy(c => c.Layer).Where(g => g.All(c => Has(c, Methods.Tv))).SelectMany(g => g).ToList();
        if (BestLayer.Of(scored) is { } best)
        {
            string name = $"the task vector lowers the zero-shot loss at its best layer ({best.Layer})";
            var at = scored.Where(c => c.Layer == best.Layer).ToList();
            var claim = Lower(name, at, Methods.Tv, Methods.ZeroShot);
            claims.Add(claim with { Rule = $"{claim.Rule}; the layer {BestLayer.How(best)}" });
            claims.AddRange(HeldOutClaims.Measure(at, Methods.Tv, name));
        }
        foreach (var g in kept.GroupBy(c => c.Layer).Where(g => g.All(c => Has(c, Methods.Cleaned))).OrderBy(g => g.Key))
        {
            var at = g.ToList();
            var helps = Lower($"layer {g.Key}: the task vector lowers the zero-shot loss", at, Methods.Tv, Methods.ZeroShot);
            if (helps.Verdict == "not") { claims.Add(helps); continue; }
            claims.Add(Lower($"layer {g.Key}: the task vector beats the corrupted-mean baseline", at, Methods.Tv, Methods.TvMinusCorrupted));
            claims.Add(Within($"layer {g.Key}: the SAE reconstruction keeps the task vector's effect", at, Methods.SaeRecon, Methods.Tv));
            double l0 = at.Average(c => c.Methods[Methods.Cleaned].L0 ?? 0);
            var few = Within($"layer {g.Key}: cleaning keeps a few features (mean L0 {l0:F1}) that steer as well as the task vector", at, Methods.Cleaned, Methods.Tv);
            claims.Add(l0 >= 1 ? few : few with { Rule = few.Rule + ", with at least one feature kept on average", Verdict = "not" });
            claims.Add(Within($"layer {g.Key}: cleaned vectors steer as well as the task vector scaled by its best factor (the fair control)", at, Methods.Cleaned, Methods.TvScaled));
            claims.Add(Lower($"layer {g.Key}: cleaning beats the encoder's top-k features with as many features", at, Methods.Cleaned, Methods.TopK));
            claims.AddRange(HeldOutClaims.Measure(at, Methods.Cleaned, $"layer {g.Key}: the cleaned vector lowers the zero-shot loss"));
            if (Specific(g.Key, at, cells.Select(c => c.Task).Distinct().Count()) is { } specific) claims.Add(specific);
        }
        return claims;
    }

    /// <summary>
    /// Cleaned features belong to their task: the weighted task specificity of the cleaned vectors (each feature's share
    /// of its activation on its own task's prompts, over every task of the run) against chance, one over the tasks.
    /// </summary>
    private static Claim? Specific(int layer, IReadOnlyList<SweepCell> cells, int tasks)
    {
        var s = cells.Select(c => c.Specificity?.GetValueOrDefault(Methods.Cleaned, double.NaN) ?? double.NaN).Where(v => !double.IsNaN(v)).ToArray();
        if (s.Length == 0) return null;
        var ci = Bootstrap.Ci95(s);
        double chance = 1.0 / tasks;
        return new Claim($"layer {layer}: cleaned features are specific to their task", $"task specificity of the cleaned vectors, mean over {s.Length} tasks (chance {chance:0.###})",
            s.Average(), ci, $"holds if the whole interval (over tasks) is above chance ({chance:0.###})", ci[0] > chance ? "holds" : s.Average() > chance ? "partly" : "not");
    }

    /// <summary>The parts of claims.json, in the order it lists them: the sweep's claims, then the feature experiments'.</summary>
    public const string SweepPart = "sweep", FeaturesPart = "features";

    /// <summary>
    /// Replaces <paramref name="part"/>'s claims in claims.json by <paramref name="claims"/> and keeps the other part's, so
    /// rerunning `sweep --finish` or `features` neither drops nor repeats a claim (a file from before parts is the sweep's).
    /// </summary>
    public static void Write(string runDir, string part, IReadOnlyList<Claim> claims)
    {
        var kept = (Read(runDir) ?? []).Where(c => c.Part != part);
        var all = kept.Concat(claims.Select(c => c with { Part = part })).OrderBy(c => c.Part == SweepPart ? 0 : 1).ToList();
        AtomicFile.WriteAllText(Path.Combine(runDir, FileName), JsonSerializer.Serialize(all, ResultsLog.Json));
    }

    public static IReadOnlyList<Claim>? Read(string runDir)
    {
        string path = Path.Combine(runDir, FileName);
        return File.Exists(path) ? JsonFile.Read<Claim[]>(path, "a claims table written by sweep").Select(c => c with { Part = c.Part ?? SweepPart }).ToList() : null;
    }

    internal static bool Has(SweepCell c, string m) => c.Methods.TryGetValue(m, out var s) && s.PromptLosses != null;

    /// <summary>Method a's loss minus b's, per prompt, for every task: the paired difference and its interval.</summary>
    private static (double Value, double[] Ci) Difference(IReadOnlyList<SweepCell> cells, string a, string b)
    {
        var groups = cells.Select(c => (IReadOnlyList<double>)c.Methods[a].PromptLosses!.Zip(c.Methods[b].PromptLosses!, (x, y) => x - y).ToArray()).ToList();
        return (groups.Average(g => g.Average()), Bootstrap.Ci95(groups));
    }

    /// <summary>a lowers the loss below b's: the difference a - b is below 0.</summary>
    internal static Claim Lower(string name, IReadOnlyList<SweepCell> cells, string a, string b)
    {
        var (v, ci) = Difference(cells, a, b);
        return new Claim(name, $"loss({a}) - loss({b}), mean over {cells.Count} tasks", v, ci, "holds if the whole interval is below 0",
            ci[1] < 0 ? "holds" : v < 0 ? "partly" : "not");
    }

    /// <summary>a does as well as b: a's loss is not above b's by more than 10% of b's distance to the zero-shot loss.</summary>
    private static Claim Within(string name, IReadOnlyList<SweepCell> cells, string a, string b)
    {
        var (v, ci) = Difference(cells, a, b);
        double margin = 0.1 * cells.Average(c => Math.Abs(c.Methods[Methods.ZeroShot].Loss - c.Methods[b].Loss));
        return new Claim(name, $"loss({a}) - loss({b}), mean over {cells.Count} tasks", v, ci,
            $"holds if the whole interval is below {margin:0.###} (10% of {b}'s gain over zero-shot)", ci[1] < margin ? "holds" : v < margin ? "partly" : "not");
    }
}
