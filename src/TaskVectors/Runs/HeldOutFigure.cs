namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// figures/held_out_by_layer.mean: on held-out words, loss by layer of zero-shot, ICL, the task vector and the cleaned
/// vector, one line per method and split, averaged over the tasks that have the split (leaving out the manifest's
/// mean_excludes), with 95% bootstrap bands. Nothing is drawn when no cell has held-out scores.
/// </summary>
public static class HeldOutFigure
{
    public const string Name = "held_out_by_layer.mean";

    private static readonly string[] Shown = [Methods.ZeroShot, Methods.Icl, Methods.Tv, Methods.Cleaned];

    public static void Write(string dir, IReadOnlyList<SweepCell> cells, string caption, IReadOnlyCollection<string>? meanExcludes = null)
    {
        var kept = cells.Where(c => c.HeldOut != null && meanExcludes?.Contains(c.Task) != true).ToList();
        var splits = kept.SelectMany(c => c.HeldOut!.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        if (splits.Count == 0) return;
        var series = splits.SelectMany(split => Shown.Select(m =>
        {
            // A layer is drawn where every task with the split has the method there (cleaned: where an SAE was).
            var points = kept.Where(c => c.HeldOut!.ContainsKey(split)).GroupBy(c => c.Layer).OrderBy(g => g.Key)
                .Where(g => g.All(c => c.HeldOut![split].ContainsKey(m)))
                .Select(g => (Layer: (double)g.Key, Mean: SweepFigures.Mean(g.Select(c => c.HeldOut![split][m]).ToList()))).ToList();
            bool bands = points.All(p => p.Mean.LossCi95 != null);
            return ($"{m} ({split})", points.Select(p => p.Layer).ToArray(), points.Select(p => p.Mean.Loss).ToArray(),
                bands ? points.Select(p => p.Mean.LossCi95![0]).ToArray() : null, bands ? points.Select(p => p.Mean.LossCi95![1]).ToArray() : null);
        })).ToList();
        string left = meanExcludes is { Count: > 0 } ? $" (without {string.Join(", ", meanExcludes)})" : "";
        Figures.Lines(Path.Combine(dir, Name), $"held-out words, mean over tasks{left}: loss by layer", caption + "; bands: 95% bootstrap intervals over prompts",
            "layer (resid_pre)", "loss (nll of the answer's first tokens)", series);
    }
}
