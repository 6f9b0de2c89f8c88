using NativeTV.TaskVectors.Runs;
using System.Globalization;
using NativeTV.Sae;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.Transformer.Files;
using NativeTV.TaskVectors;

namespace NativeTV.TaskVectors.Experiments;

/// <summary>A feature of the later layer's SAE: its activation in the plain task vector, the induced residual and the unsteered zero-shot residual.</summary>
public sealed record CrossLayerFeature(int Id, float Tv, float Induced, float ZeroShot, double Specificity);

/// <summary>
/// One task of the cross-layer reading: zero-shot evaluation losses (task vector and cleaned vector at the early
/// layer, task vector at the late one), and how the late layer's residual, induced by the cleaned early vector,
/// compares with the late layer's plain task vector: cosine and weighted overlap of their SAE features (with the
/// unsteered zero-shot residual as the baseline), and their task specificity.
/// </summary>
public sealed record CrossLayerResult(string Task, ScoreSummary EarlyTv, ScoreSummary Cleaned, ScoreSummary LateTv, int CleanedL0,
    double Cosine, double CosineZeroShot, double Overlap, double OverlapZeroShot, double SpecificityTv, double SpecificityInduced,
    IReadOnlyList<CrossLayerFeature> Features);

/// <summary>
/// The post's early-layer experiment: clean the task vector at an early layer, insert it there into zero-shot
/// prompts, and read resid_pre at a later layer through that layer's SAE, to see whether the inserted vector
/// rebuilds the later task vector (sharing its features, with task features weighted up) or works some other way.
/// </summary>
public static class CrossLayerReading
{
    /// <summary>Features listed per task: the strongest of the plain task vector and of the induced residual.</summary>
    public const int TopFeatures = 10;

    /// <param name="cleanedBefore">A task's vector already cleaned at <paramref name="early"/> with <paramref name="o"/> (the sweep's), or null to clean it here.</param>
    public static IReadOnlyList<CrossLayerResult> Run(PipelineContext ctx, int early, int late, CleaningOptions o, string outDir, Action<string, int>? progress = null,
        Func<string, CleanedVector?>? cleanedBefore = null)
    {
        if (late <= early) throw new ArgumentException($"the reading layer ({late}) must come after the cleaning layer ({early})");
        var m = ctx.Model;
        DeviceSae saeEarly = ctx.Sae(early), saeLate = ctx.Sae(late);
        var spec = TaskSpecificity.Measure(m, saeLate, late, ctx.SpecificityPrompts);
        var results = new List<CrossLayerResult>();
        foreach (var t in ctx.Prompts)
        {
            string name = t.Task.Name;
            progress?.Invoke(name, 0);
            var tv = TaskVectorExtractor.Mean(m, t.Icl, [early, late], lastOnly: false);
            var cleaned = cleanedBefore?.Invoke(name);
            if (cleaned != null) progress?.Invoke(name, o.Steps);
            else cleaned = Cleaned(TaskVectorCleaner.Clean(m, saeEarly, early, PromptBatch.Of(t.Clean, ctx.NFirst, m.Config.PadTokenId), tv[0], o, null, s => progress?.Invoke(name, s.Step)));
            var induced = TaskVectorExtractor.Mean(m, t.Eval, [late], ReadAt.LastSeparator, new Steer(early, cleaned.Vector))[0];
            var zeroShot = TaskVectorExtractor.Mean(m, t.Eval, [late], ReadAt.LastSeparator)[0];
            float[] fTv = saeLate.Reconstruct(tv[1]).Features, fInduced = saeLate.Reconstruct(induced).Features, fZero = saeLate.Reconstruct(zeroShot).Features;
            ScoreSummary Score(int layer, float[] v) => ScoreSummary.Of(PromptScorer.Score(m, t.Eval, new Steer(layer, v), ctx.NFirst));
            var s = spec?.Of(name);
            double Spec(float[] f) => spec?.Weighted(name, f.Select((a, id) => (id, a)).Where(x => x.a != 0)) ?? double.NaN;
            var top = Top(fTv).Union(Top(fInduced)).ToList();
            results.Add(new CrossLayerResult(name, Score(early, tv[0]), Score(early, cleaned.Vector), Score(late, tv[1]), cleaned.L0,
                Cosine(induced, tv[1]), Cosine(zeroShot, tv[1]), Overlap(fInduced, fTv), Overlap(fZero, fTv), Spec(fTv), Spec(fInduced),
                top.Select(id => new CrossLayerFeature(id, fTv[id], fInduced[id], fZero[id], s?[id] ?? double.NaN)).ToList()));
        }
        Write(outDir, $"L{early}-L{late}", results, $"{ctx.Caption(late)}; cleaned at layer {early} with SAE {Path.GetFileName(Path.GetFullPath(ctx.SaeDir(early)))}, l1 {o.L1}, lr {o.Lr}");
        return results;
    }

    private static CleanedVector Cleaned(CleaningResult r) => new(r.Vector, r.Features.Count);

    private static IEnumerable<int> Top(float[] f) => f.Select((a, id) => (a, id)).Where(x => x.a > 0).OrderByDescending(x => x.a).Take(TopFeatures).Select(x => x.id);

    public static double Cosine(float[] a, float[] b)
    {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++) { ab += (double)a[i] * b[i]; aa += (double)a[i] * a[i]; bb += (double)b[i] * b[i]; }
        return aa > 0 && bb > 0 ? ab / Math.Sqrt(aa * bb) : 0;
    }

    /// <summary>Weighted Jaccard of two non-negative feature activations, each normalised to sum 1: 1 = the same features in the same proportions.</summary>
    public static double Overlap(float[] a, float[] b)
    {
        double sa = a.Sum(x => (double)Math.Max(0, x)), sb = b.Sum(x => (double)Math.Max(0, x));
        if (sa == 0 || sb == 0) return 0;
        double min = 0, max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double x = Math.Max(0, a[i]) / sa, y = Math.Max(0, b[i]) / sb;
            min += Math.Min(x, y); max += Math.Max(x, y);
        }
        return min / max;
    }

    private static void Write(string dir, string suffix, IReadOnlyList<CrossLayerResult> rs, string caption)
    {
        Directory.CreateDirectory(dir);
        string F(double x) => double.IsNaN(x) ? "" : x.ToString("G5", CultureInfo.InvariantCulture);
        AtomicFile.WriteAllLines(Path.Combine(dir, $"summary.{suffix}.csv"), [
            "task,early_tv_loss,early_cleaned_loss,late_tv_loss,cleaned_l0,cosine_induced_tv,cosine_zero_shot_tv,overlap_induced_tv,overlap_zero_shot_tv,specificity_tv,specificity_induced",
            .. rs.Select(r => string.Join(",", r.Task, F(r.EarlyTv.Nll), F(r.Cleaned.Nll), F(r.LateTv.Nll), r.CleanedL0, F(r.Cosine), F(r.CosineZeroShot),
                F(r.Overlap), F(r.OverlapZeroShot), F(r.SpecificityTv), F(r.SpecificityInduced)))]);
        AtomicFile.WriteAllLines(Path.Combine(dir, $"features.{suffix}.csv"), [
            "task,feature,tv,induced,zero_shot,specificity",
            .. rs.SelectMany(r => r.Features.Select(f => string.Join(",", r.Task, f.Id, F(f.Tv), F(f.Induced), F(f.ZeroShot), F(f.Specificity))))]);
        var tasks = rs.Select(r => r.Task).ToArray();
        Figures.GroupedBars(Path.Combine(dir, $"overlap.{suffix}"), "late-layer SAE features: overlap with the plain task vector", caption, "weighted overlap",
            tasks, [("induced by the cleaned early vector", rs.Select(r => r.Overlap).ToArray()), ("unsteered zero-shot", rs.Select(r => r.OverlapZeroShot).ToArray())]);
        if (rs.Any(r => !double.IsNaN(r.SpecificityTv)))
            Figures.GroupedBars(Path.Combine(dir, $"specificity.{suffix}"), "task specificity of the late-layer features", caption, "specificity (weighted by activation)",
                tasks, [("plain task vector", rs.Select(r => r.SpecificityTv).ToArray()), ("induced by the cleaned early vector", rs.Select(r => r.SpecificityInduced).ToArray())]);
        Figures.GroupedBars(Path.Combine(dir, $"loss.{suffix}"), "zero-shot loss", caption, "loss (nll of the answer)",
            tasks, [("TV at the early layer", rs.Select(r => r.EarlyTv.Nll).ToArray()), ("cleaned at the early layer", rs.Select(r => r.Cleaned.Nll).ToArray()), ("TV at the late layer", rs.Select(r => r.LateTv.Nll).ToArray())]);
    }
}
