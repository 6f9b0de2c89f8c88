using NativeTV.Host.Reports;
using NativeTV.Sae.Training;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using Spectre.Console;

namespace NativeTV.Host.Cli;

/// <summary>
/// The feature experiments of METHOD.md §7 as the console runs them: the library call behind a progress bar, then
/// its table. Each command runs one; `features` runs them all on a sweep's run folder.
/// </summary>
public static class ExperimentSteps
{
    /// <summary>The single-feature steering matrix on every task's zero-shot evaluation prompts and its random controls, into RUN/feature_steering/.</summary>
    public static FeatureSteeringMatrix FeatureSteer(PipelineContext ctx, RunFolder run, int layer, int[] ids, float scale)
    {
        var sae = ctx.Sae(layer).Sae;
        FeatureLists.InRange(ids, sae.DSae);
        var tasks = ctx.Prompts.Select(p => (p.Task.Name, p.Eval)).ToList();
        var mat = ConsoleProgress.Run("feature steering", ctx.Prompts.Count * ids.Length, bar =>
            FeatureSteeringMatrix.Measure(ctx.Model, sae, layer, tasks, ids, scale, ctx.NFirst, () => bar.Increment(1)));
        mat.Write(run.FeatureSteering, $"L{layer}", "single-feature steering", ctx.Caption(layer, $", scale {scale}"), FeatureLists.KeptBy(run.Cleaned, layer));
        // The controls' base losses are the matrix's: the same prompts unsteered.
        ConsoleProgress.Run("steering controls", 1, _ => SteeringControls.Measure(ctx.Model, sae, layer, tasks, ids, scale, ctx.NFirst, baseLosses: mat.BaseLoss))
            .Write(run.FeatureSteering, $"L{layer}", mat);
        return mat;
    }

    /// <summary>Task detectors cleaned per task and their steering matrix, into RUN/detectors/.</summary>
    public static IReadOnlyList<DetectorResult> Detectors(PipelineContext ctx, RunFolder run, int layer, CleaningOptions o, float scale)
    {
        var rs = ConsoleProgress.Run("detectors", ctx.Prompts.Count * o.Steps, bar =>
            TaskDetectors.Run(ctx, layer, o, run.Detectors, ConsoleProgress.PerTask(bar, o.Steps, "detectors")));
        var t = TextTable.Create("task", "no steering", "detector vector", "cleaned (L0)", "specificity");
        foreach (var r in rs)
            t.AddText(r.Task, $"{r.None.Nll:F2}", $"{r.Raw.Nll:F2}", $"{r.Cleaned.Nll:F2} ({r.Cleaning.Features.Count})", $"{r.Specificity:F2}");
        t.Caption("one-shot evaluation loss; specificity: weighted by the cleaned weights, chance = 1 / tasks");
        AnsiConsole.Write(t);
        ConsoleProgress.Run("detector matrix", ctx.Prompts.Count * rs.SelectMany(r => r.Cleaning.Features).Select(f => f.Id).Distinct().Count(), bar =>
            TaskDetectors.Matrix(ctx, layer, rs, scale, run.Detectors, () => bar.Increment(1)));
        return rs;
    }

    /// <summary>
    /// Task vectors cleaned at <paramref name="from"/> and read at <paramref name="to"/>, into RUN/cross_layer/; where the
    /// sweep cleaned a task there with the same recipe, its vector is read, not cleaned again (the same computation).
    /// </summary>
    public static IReadOnlyList<CrossLayerResult> CrossLayer(PipelineContext ctx, RunFolder run, int from, int to, CleaningOptions o)
    {
        var reused = ctx.Prompts.Select(p => p.Task.Name).ToDictionary(t => t, t => CleanedVectorFiles.ReadIfCleanedWith(run.Cleaned, t, from, o));
        if (reused.Values.Any(v => v != null))
            Console.WriteLine($"cross-layer: the sweep's layer-{from} cleaned vectors of {reused.Values.Count(v => v != null)} of {reused.Count} tasks (same recipe), read from {run.Cleaned}");
        var rs = ConsoleProgress.Run("cross-layer", ctx.Prompts.Count * o.Steps, bar =>
            CrossLayerReading.Run(ctx, from, to, o, run.CrossLayer, ConsoleProgress.PerTask(bar, o.Steps, "cross-layer"), t => reused[t]));
        var t = TextTable.Create("task", $"TV at {from}", $"cleaned at {from} (L0)", $"TV at {to}", "overlap: induced / zero-shot", "specificity: TV / induced");
        foreach (var r in rs)
            t.AddText(r.Task, $"{r.EarlyTv.Nll:F2}", $"{r.Cleaned.Nll:F2} ({r.CleanedL0})", $"{r.LateTv.Nll:F2}", $"{r.Overlap:F2} / {r.OverlapZeroShot:F2}", $"{r.SpecificityTv:F2} / {r.SpecificityInduced:F2}");
        t.Caption($"zero-shot evaluation loss; layer-{to} SAE features of the residual the cleaned layer-{from} vector induces, against the plain layer-{to} task vector");
        AnsiConsole.Write(t);
        return rs;
    }

    /// <summary>The features' max-activating examples over the corpus, as RUN/maxact/maxact.L{layer}.json and .html.</summary>
    public static MaxActResult MaxAct(PipelineContext ctx, RunFolder run, int layer, int[] ids, string corpusPath, MaxActOptions o)
    {
        // Counting the contexts costs a tokenisation of the corpus, little beside the forwards, and gives the bar its end.
        int total = ActivationHarvester.Contexts(ctx.Tokenizer, corpusPath, o.Context).Take(o.MaxContexts).Count();
        var r = ConsoleProgress.Run($"max-activating examples, layer {layer}", total, bar =>
            MaxActivations.Collect(ctx.Model, ctx.Sae(layer), ctx.Tokenizer, corpusPath, layer, ids, o, n => bar.Value = n));
        Directory.CreateDirectory(run.MaxAct);
        r.WriteJson(Path.Combine(run.MaxAct, $"maxact.L{layer}.json"));
        MaxActHtml.Write(Path.Combine(run.MaxAct, $"maxact.L{layer}.html"), r);
        return r;
    }
}
