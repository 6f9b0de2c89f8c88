using NativeTV.TaskVectors.Runs;
using NativeTV.Sae;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.Transformer.Model;
using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Steering;

namespace NativeTV.TaskVectors.Experiments;

/// <summary>Settings of a sweep (METHOD.md defaults, as command-line options); prompts and SAEs come with its <see cref="PipelineContext"/>.</summary>
/// <param name="Lambdas">The L1 penalties to clean at, each cell keeping the one <see cref="LambdaChoice"/> picks (null: Cleaning's L1 alone).</param>
/// <param name="PassBytes">The activation memory one cleaning pass of a layer's tasks x lambdas may hold (null: <see cref="CleaningPassBudget.DefaultBytes"/>); changes no result.</param>
public sealed record SweepOptions(int[] Layers, bool LastSeparatorOnly = false, bool AddZeroShotMean = false, int PursuitK = 20, CleaningOptions? Cleaning = null,
    IReadOnlyList<float>? Lambdas = null, long? PassBytes = null);

/// <summary>
/// The task x layer sweep: for each cell the metric with no steering, the task vector, the corrupted-mean
/// baseline, the SAE reconstruction, gradient pursuit and the cleaned vector (the last three where an SAE
/// for the layer is given), with the ICL loss as reference; the TV and the cleaned vector also on held-out words
/// (<see cref="HeldOutScores"/>). Task specificity is measured once per layer with an SAE, on prompts that built no vector.
/// A layer's cells are cleaned together, every task at every lambda in one <see cref="TaskVectorCleaner.CleanMany"/>
/// (one forward and backward per step for all, within <see cref="SweepOptions.PassBytes"/>): each result equals its task cleaned alone.
/// </summary>
public sealed class SweepRunner(PipelineContext ctx, SweepOptions o, string runDir, IReadOnlyDictionary<string, string> provenance)
{
    private readonly TransformerModel model = ctx.Model;
    private readonly Dictionary<string, TaskCache> _cache = [];
    private readonly Dictionary<int, TaskSpecificity> _specificity = [];
    private readonly HeldOutScores _heldOut = new(ctx);

    private sealed record TaskCache(float[][] Tv, float[][] Corrupted, float[][]? ZeroShotMean, MethodScore ZeroShot, MethodScore Icl);

    /// <summary>One cell (a layer of one task): what examples/baseline.cs runs.</summary>
    public SweepCell Run(TaskPrompts t, int layer)
    {
        SweepCell? cell = null;
        Run([t], layer, c => cell = c);
        return cell!;
    }

    /// <summary>
    /// The cells of <paramref name="tasks"/> at one layer: their cleaning in one batch, then each cell finished in
    /// order and handed to <paramref name="onCell"/> (a run killed after some of them keeps those).
    /// </summary>
    public void Run(IReadOnlyList<TaskPrompts> tasks, int layer, Action<SweepCell> onCell)
    {
        var cleaned = Clean(tasks, layer);
        for (int i = 0; i < tasks.Count; i++) onCell(Finish(tasks[i], layer, cleaned?[i]));
    }

    private IReadOnlyList<float> Lambdas => o.Lambdas ?? [(o.Cleaning ?? new CleaningOptions()).L1];

    /// <summary>
    /// Every task's cleaning results at the layer (one per lambda), from one batch of tasks x lambdas; null without an SAE.
    /// A job that diverges names its task.
    /// </summary>
    private IReadOnlyList<CleaningResult>[]? Clean(IReadOnlyList<TaskPrompts> tasks, int layer)
    {
        if (ctx.SaeOrNull(layer) is not { } sae) return null;
        var lambdas = Lambdas;
        var jobs = tasks.SelectMany(t => CleaningTradeOff.Jobs(model, t, Cache(t).Tv[Array.IndexOf(o.Layers, layer)], lambdas, ctx.NFirst)).ToList();
        int maxPrompts = CleaningPassBudget.MaxPrompts(model.Config, jobs.Max(j => j.CleanSet.Tokens.SeqLen), layer, o.PassBytes ?? CleaningPassBudget.DefaultBytes(ctx.Backend));
        IReadOnlyList<CleaningResult> results;
        try { results = TaskVectorCleaner.CleanMany(model, sae, layer, jobs, o.Cleaning ?? new CleaningOptions(), maxPrompts: maxPrompts); }
        catch (OptimizationDivergedException e) when (tasks.Count > 1)
        {
            var t = tasks[e.Run / lambdas.Count];
            throw new OptimizationDivergedException($"{t.Task.Name} (l1 {lambdas[e.Run % lambdas.Count]}): {e.Message}", e.Run);
        }
        return tasks.Select((_, i) => results.Skip(i * lambdas.Count).Take(lambdas.Count).ToList()).ToArray();
    }

    /// <summary>A cell's scores, given its task's cleaning results at the layer (null: no SAE there).</summary>
    private SweepCell Finish(TaskPrompts t, int layer, IReadOnlyList<CleaningResult>? cleaned)
    {
        var c = Cache(t);
        int li = Array.IndexOf(o.Layers, layer);
        var tv = c.Tv[li];
        var onClean = CleanLosses(t, layer, tv);
        var methods = new Dictionary<string, MethodScore> { [Methods.ZeroShot] = c.ZeroShot, [Methods.Icl] = c.Icl, [Methods.Tv] = Eval(t, layer, tv) with { CleanLoss = onClean[1] } };
        double factor = onClean.MinBy(kv => kv.Value).Key;
        methods[Methods.TvScaled] = Eval(t, layer, tv.Select(x => (float)(x * factor)).ToArray(), scale: factor) with { CleanLoss = onClean[factor] };
        var baseline = tv.Select((v, j) => v - c.Corrupted[li][j] + (c.ZeroShotMean?[li][j] ?? 0f)).ToArray();
        methods[Methods.TvMinusCorrupted] = Eval(t, layer, baseline);
        Dictionary<string, double>? specificity = null;
        var heldOut = new Dictionary<string, float[]> { [Methods.Tv] = tv };
        List<LambdaPoint>? points = null;
        if (ctx.SaeOrNull(layer) is { } sae && cleaned != null)
        {
            var spec = Specificity(layer, sae);
            var (recon, f) = sae.Reconstruct(tv);
            methods[Methods.SaeRecon] = Eval(t, layer, recon, f.Count(x => x != 0f));
            var (pursued, coeffs) = sae.Pursue(tv, new PursuitOptions(o.PursuitK));
            methods[Methods.Pursuit] = Eval(t, layer, pursued, coeffs.Count(x => x != 0f));
            var runs = CleaningTradeOff.Runs(model, layer, t, Lambdas, cleaned, ctx.NFirst);
            if (runs.Count > 1) points = runs.Select(x => x.Point).ToList();
            var chosen = runs[LambdaChoice.Pick(runs.Select(x => x.Point).ToList())];
            var (r, score) = (chosen.Result, chosen.Eval);
            methods[Methods.Cleaned] = score;
            heldOut[Methods.Cleaned] = r.Vector;
            // The naive selection cleaning must beat: as many features, the ones the encoder activates most, at their encoder weights.
            var top = f.Select((w, id) => (w, id)).OrderByDescending(x => x.w).Take(r.Features.Count).Where(x => x.w > 0).ToDictionary(x => x.id, x => x.w);
            methods[Methods.TopK] = Eval(t, layer, sae.Decode(f.Select((w, id) => top.ContainsKey(id) ? w : 0f).ToArray()), top.Count);
            // A vector with no features has no specificity (NaN), which JSON cannot hold: its entry is left out.
            specificity = new Dictionary<string, double>
            {
                [Methods.SaeRecon] = spec.Weighted(t.Task.Name, f.Select((w, id) => (id, w))),
                [Methods.Cleaned] = spec.Weighted(t.Task.Name, r.Features.Select(x => (x.Id, x.Weight))),
            }.Where(kv => !double.IsNaN(kv.Value)).ToDictionary();
            CleanedVectorFiles.Write(Path.Combine(runDir, "cleaned"), CleanedVectorFiles.Name(t.Task.Name, layer), r,
                new Dictionary<string, string>(provenance) { ["task"] = t.Task.Name, ["layer"] = layer.ToString(), ["l1"] = $"{chosen.L1}" },
                new { eval = Brief(score), tv = Brief(methods[Methods.Tv]), task_specificity = specificity }, spec.Of(t.Task.Name));
        }
        return new SweepCell(t.Task.Name, layer, methods, specificity, _heldOut.Score(t, layer, heldOut)) { Lambdas = points };
    }

    private MethodScore Eval(TaskPrompts t, int layer, float[] v, int? l0 = null, double? scale = null) => Score(t.Eval, new Steer(layer, v), l0, scale);

    /// <summary>The score without its per-prompt lists, for the cleaned vector's own JSON (results.jsonl keeps them).</summary>
    private static MethodScore Brief(MethodScore s) => s with { PromptLosses = null, PromptCorrect = null };

    /// <summary>Factors tried for the scaled task vector: the TV alone is often too weak (the organism's 2 x TV does better).</summary>
    private static readonly double[] Factors = [0.5, 1, 1.5, 2, 3, 4, 6];

    /// <summary>
    /// The cleaning-set loss of the TV at each factor (1 included: the plain TV's). The scaled TV takes the lowest, and
    /// best layers are chosen on them: the evaluation prompts only score (no peeking).
    /// </summary>
    private Dictionary<double, double> CleanLosses(TaskPrompts t, int layer, float[] tv) => Factors.ToDictionary(k => k, k =>
        ScoreSummary.Of(PromptScorer.Score(model, t.Clean, new Steer(layer, tv, Scale: (float)k), ctx.NFirst)).Nll);

    private MethodScore Score(IReadOnlyList<Prompt> prompts, Steer? steer, int? l0 = null, double? scale = null)
    {
        return MethodScore.Of(PromptScorer.Score(model, prompts, steer, ctx.NFirst), l0, scale);
    }

    private TaskSpecificity Specificity(int layer, DeviceSae sae) => _specificity.TryGetValue(layer, out var s) ? s
        : _specificity[layer] = TaskSpecificity.Measure(model, sae, layer, ctx.SpecificityPrompts);

    /// <summary>
    /// Per task, once: vectors for every layer from one pass per batch, and the layer-independent references. Kept for
    /// every task (a few vectors each), as the sweep goes layer by layer over all of them.
    /// </summary>
    private TaskCache Cache(TaskPrompts t)
    {
        if (_cache.TryGetValue(t.Task.Name, out var c)) return c;
        var tv = TaskVectorExtractor.Mean(model, t.Icl, o.Layers, o.LastSeparatorOnly);
        var corrupted = TaskVectorExtractor.Mean(model, t.Corrupted, o.Layers, o.LastSeparatorOnly);
        var zsMean = o.AddZeroShotMean ? TaskVectorExtractor.Mean(model, t.Eval, o.Layers, lastOnly: true) : null;
        return _cache[t.Task.Name] = new TaskCache(tv, corrupted, zsMean, Score(t.Eval, null), Score(t.Icl, null));
    }
}
