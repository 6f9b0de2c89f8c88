using NativeTV.Transformer.Files;

namespace NativeTV.TaskVectors.Runs;

/// <summary>The post's figures from a sweep: loss against layer, one line per method, per task and averaged over tasks.</summary>
public static class SweepFigures
{
    /// <summary>
    /// Per task, and averaged over tasks (leaving out <paramref name="meanExcludes"/>, e.g. the organism's singular, solved
    /// without steering), with 95% bootstrap bands over evaluation prompts.
    /// </summary>
    public static void Write(string dir, IReadOnlyList<SweepCell> cells, string caption, IReadOnlyCollection<string>? meanExcludes = null)
    {
        foreach (var task in cells.Select(c => c.Task).Distinct())
            LossByLayer(Path.Combine(dir, $"loss_by_layer.{TaskFileName.Of(task)}"), $"{task}: loss by layer", caption, cells.Where(c => c.Task == task).ToList());
        var averaged = cells.Where(c => meanExcludes?.Contains(c.Task) != true).ToList();
        string left = meanExcludes is { Count: > 0 } ? $" (without {string.Join(", ", meanExcludes)})" : "";
        LossByLayer(Path.Combine(dir, "loss_by_layer.mean"), $"mean over tasks{left}: loss by layer", caption, averaged
            .GroupBy(c => c.Layer)
            .Select(g => new SweepCell("mean", g.Key, Methods.All
                .Where(m => g.All(c => c.Methods.ContainsKey(m)))
                .ToDictionary(m => m, m => Mean(g.Select(c => c.Methods[m]).ToList()))))
            .ToList());
    }

    /// <summary>The mean over tasks of one method's scores, its interval from resampling every task's prompts.</summary>
    internal static MethodScore Mean(IReadOnlyList<MethodScore> perTask) => new(perTask.Average(s => s.Loss), perTask.Average(s => s.Accuracy),
        LossCi95: perTask.All(s => s.PromptLosses != null) ? Bootstrap.Ci95(perTask.Select(s => (IReadOnlyList<double>)s.PromptLosses!).ToList()) : null);

    /// <summary>Per task, the coefficient-weighted task specificity of the SAE reconstruction's and the cleaned vector's features (chance = 1 / tasks).</summary>
    public static void Specificity(string dir, IReadOnlyList<SweepCell> cells, string caption)
    {
        foreach (var layer in cells.Where(c => c.Specificity != null).Select(c => c.Layer).Distinct())
        {
            var at = cells.Where(c => c.Layer == layer && c.Specificity != null).ToList();
            int tasks = cells.Select(c => c.Task).Distinct().Count();
            string path = Path.Combine(dir, $"task_specificity.L{layer}");
            double[] Of(string m) => at.Select(c => c.Specificity!.GetValueOrDefault(m, double.NaN)).ToArray();
            double[] recon = Of(Methods.SaeRecon), cleaned = Of(Methods.Cleaned);
            // The figure's numbers beside it, for the report's link and for anyone replotting; NaN where cleaning kept no feature.
            AtomicFile.WriteAllLines(path + ".csv", [$"task,{Methods.SaeRecon},{Methods.Cleaned}",
                .. at.Select((c, i) => FormattableString.Invariant($"{c.Task},{recon[i]:G4},{cleaned[i]:G4}"))]);
            Figures.GroupedBars(path, $"task specificity of SAE features at layer {layer} (chance {1.0 / tasks:F3})", caption,
                "weighted specificity", at.Select(c => c.Task).ToArray(), [(Methods.SaeRecon, recon), (Methods.Cleaned, cleaned)]);
        }
    }

    private static void LossByLayer(string path, string title, string caption, List<SweepCell> cells)
    {
        var ordered = cells.OrderBy(c => c.Layer).ToList();
        var series = Methods.All.Select(m =>
        {
            var have = ordered.Where(c => c.Methods.ContainsKey(m)).ToList();
            bool bands = have.All(c => c.Methods[m].LossCi95 != null);
            return (m, have.Select(c => (double)c.Layer).ToArray(), have.Select(c => c.Methods[m].Loss).ToArray(),
                bands ? have.Select(c => c.Methods[m].LossCi95![0]).ToArray() : null, bands ? have.Select(c => c.Methods[m].LossCi95![1]).ToArray() : null);
        });
        Figures.Lines(path, title, caption + "; bands: 95% bootstrap intervals over evaluation prompts", "layer (resid_pre)", "loss (nll of the answer's first tokens)", series);
    }
}
