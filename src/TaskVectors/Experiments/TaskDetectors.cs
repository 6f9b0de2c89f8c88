using NativeTV.TaskVectors.Runs;
using System.Globalization;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.Transformer.Files;
using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Steering;

namespace NativeTV.TaskVectors.Experiments;

/// <summary>One task's detector vector: one-shot evaluation scores without steering, with the raw and the cleaned vector at " Y".</summary>
public sealed record DetectorResult(string Task, ScoreSummary None, ScoreSummary Raw, ScoreSummary Cleaned, CleaningResult Cleaning, double Specificity);

/// <summary>
/// Task detector vectors (METHOD.md §7): resid_pre[L] averaged over the last token of every demonstration's
/// output in the task's ICL prompts, evaluated on one-shot prompts with a generic example ("X -> Y") by adding
/// it at " Y", and cleaned there like a task vector (by default lr 0.01, L1 5e-4). Each cleaned
/// detector's task specificity is scored where detectors are read: at the outputs' last tokens.
/// </summary>
public static class TaskDetectors
{
    public static IReadOnlyList<DetectorResult> Run(PipelineContext ctx, int layer, CleaningOptions o, string outDir, Action<string, int>? progress = null)
    {
        var m = ctx.Model;
        var sae = ctx.Sae(layer);
        var spec = TaskSpecificity.Measure(m, sae, layer, ctx.SpecificityPrompts, ReadAt.OutputEnds);
        var tasks = ctx.Prompts;
        foreach (var t in tasks) progress?.Invoke(t.Task.Name, 0);
        var raws = tasks.Select(t => TaskVectorExtractor.Mean(m, t.Icl, [layer], ReadAt.OutputEnds)[0]).ToList();
        // Every task's detector is cleaned in one batch: one forward and backward per step for all of them.
        IReadOnlyList<CleaningResult> cleaned;
        try
        {
            cleaned = TaskVectorCleaner.CleanMany(m, sae, layer,
                tasks.Select((t, i) => new CleaningJob(PromptBatch.Of(t.CleanOneShot, ctx.NFirst, m.Config.PadTokenId), raws[i])).ToList(), o,
                (i, s) => progress?.Invoke(tasks[i].Task.Name, s.Step));
        }
        catch (OptimizationDivergedException e) { throw new OptimizationDivergedException($"cleaning the detector of {tasks[e.Run].Task.Name} at layer {layer}: {e.Message}", e.Run); }
        var results = new List<DetectorResult>();
        for (int i = 0; i < tasks.Count; i++)
        {
            var (t, raw, r) = (tasks[i], raws[i], cleaned[i]);
            string name = t.Task.Name;
            ScoreSummary Score(float[]? v) => ScoreSummary.Of(PromptScorer.Score(m, t.EvalOneShot, v is null ? null : new Steer(layer, v), ctx.NFirst));
            var res = new DetectorResult(name, Score(null), Score(raw), Score(r.Vector), r,
                spec?.Weighted(name, r.Features.Select(f => (f.Id, f.Weight))) ?? double.NaN);
            results.Add(res);
            var provenance = new Dictionary<string, string>
            {
                ["model"] = Path.GetFullPath(ctx.ModelDir), ["sae"] = Path.GetFullPath(ctx.SaeDir(layer)), ["task"] = name, ["layer"] = $"{layer}",
                ["l1"] = $"{o.L1}", ["lr"] = $"{o.Lr}", ["steps"] = $"{r.Curve.Count}", ["seed"] = $"{ctx.Seed}",
                ["vector"] = "detector: read at the outputs' last tokens, steered at \" Y\" of one-shot prompts",
                ["example"] = $"{ctx.Builder.Options.DetectorExample.Input} -> {ctx.Builder.Options.DetectorExample.Output}",
            };
            var scores = new Dictionary<string, ScoreSummary> { ["no_steering"] = res.None, ["detector_vector"] = res.Raw, ["cleaned"] = res.Cleaned };
            CleanedVectorFiles.Write(Path.Combine(outDir, "cleaned"), CleanedVectorFiles.Name(name, layer), r, provenance, scores, spec?.Of(name));
        }
        WriteSummary(outDir, layer, results, ctx.Caption(layer, $", detector l1 {o.L1}, lr {o.Lr}"));
        return results;
    }

    private static void WriteSummary(string dir, int layer, IReadOnlyList<DetectorResult> rs, string caption)
    {
        string F(double x) => double.IsNaN(x) ? "" : x.ToString("G5", CultureInfo.InvariantCulture);
        AtomicFile.WriteAllLines(Path.Combine(dir, $"summary.L{layer}.csv"), [
            "task,no_steering_loss,detector_vector_loss,cleaned_loss,no_steering_accuracy,detector_vector_accuracy,cleaned_accuracy,l0,reconstruction_l0,specificity",
            .. rs.Select(r => string.Join(",", r.Task, F(r.None.Nll), F(r.Raw.Nll), F(r.Cleaned.Nll), F(r.None.Accuracy), F(r.Raw.Accuracy), F(r.Cleaned.Accuracy),
                r.Cleaning.Features.Count, r.Cleaning.ReconstructionL0, F(r.Specificity)))]);
        Figures.GroupedBars(Path.Combine(dir, $"loss.L{layer}"), "task detectors on one-shot \"X -> Y\" prompts", caption, "loss (nll of the answer)",
            rs.Select(r => r.Task).ToArray(),
            [("no steering", rs.Select(r => r.None.Nll).ToArray()), ("detector vector", rs.Select(r => r.Raw.Nll).ToArray()), ("cleaned", rs.Select(r => r.Cleaned.Nll).ToArray())]);
    }

    /// <summary>
    /// The detector matrix: each kept detector feature steered alone at " Y" of every task's one-shot prompts, written
    /// into <paramref name="dir"/> as relative_change.L{layer} and normalised_decrease.L{layer}.
    /// </summary>
    public static FeatureSteeringMatrix Matrix(PipelineContext ctx, int layer, IReadOnlyList<DetectorResult> results, float scale, string dir, Action? tick = null)
    {
        var ids = results.SelectMany(r => r.Cleaning.Features.Select(f => f.Id)).Distinct().Order().ToArray();
        if (ids.Length == 0) throw new InvalidOperationException("cleaning kept no detector feature for any task: lower --l1");
        var mat = FeatureSteeringMatrix.Measure(ctx.Model, ctx.Sae(layer).Sae, layer, ctx.Prompts.Select(p => (p.Task.Name, p.EvalOneShot)).ToList(), ids, scale, ctx.NFirst, tick);
        var keptBy = results.SelectMany(r => r.Cleaning.Features.Select(f => (f.Id, r.Task))).GroupBy(x => x.Id).ToDictionary(g => g.Key, g => g.Select(x => x.Task).ToArray());
        mat.Write(dir, $"L{layer}", "detector-feature steering at \" Y\"", ctx.Caption(layer, $", scale {scale}"), keptBy);
        return mat;
    }
}
