using NativeTV.Transformer.Files;

namespace NativeTV.TaskVectors.Runs;

/// <summary>One prompt seed's cells of a repeated sweep.</summary>
public sealed record SeedCells(int Seed, IReadOnlyList<SweepCell> Cells);

/// <summary>
/// The spread of a sweep over prompt samples (`sweep --repeats N`): how much a score moves when the ICL, cleaning and
/// evaluation prompts are drawn again, which the bootstrap over one sample's evaluation prompts cannot say (the task
/// vector and the cleaning change with the sample too). RUN/repeats.csv has, per task, layer and method, the loss and
/// accuracy over seeds (mean, sample sd, min, max, seeds); figures/repeats.* draw loss by layer, the line the mean over
/// seeds and the band their range.
/// </summary>
public static class Repeats
{
    public const string Folder = "repeats", FileName = "repeats.csv";

    /// <summary>Where seed <paramref name="seed"/>'s run folder sits inside the run folder.</summary>
    public static string SeedFolder(int seed) => Path.Combine(Folder, $"seed-{seed}");

    /// <summary>Per task, layer and method (ordinal task order), the loss and accuracy over the seeds that have the cell.</summary>
    public static IEnumerable<(string Task, int Layer, string Method, Spread Loss, Spread Accuracy)> Rows(IReadOnlyList<SeedCells> seeds)
    {
        var keys = seeds.SelectMany(s => s.Cells).Select(c => (c.Task, c.Layer)).Distinct()
            .OrderBy(k => k.Task, StringComparer.Ordinal).ThenBy(k => k.Layer);
        foreach (var (task, layer) in keys)
        {
            var scores = seeds.Select(s => s.Cells.FirstOrDefault(c => c.Task == task && c.Layer == layer)).OfType<SweepCell>().ToList();
            foreach (var m in Methods.All.Where(m => scores.Any(c => c.Methods.ContainsKey(m))))
            {
                var have = scores.Where(c => c.Methods.ContainsKey(m)).Select(c => c.Methods[m]).ToList();
                yield return (task, layer, m, Spread.Of(have.Select(s => s.Loss).ToList()), Spread.Of(have.Select(s => s.Accuracy).ToList()));
            }
        }
    }

    /// <summary>
    /// Per layer and method, the loss averaged over tasks (leaving out <paramref name="meanExcludes"/>) in each seed, and
    /// its spread over seeds; a method counts at a layer only where every kept task has it in every seed.
    /// </summary>
    public static IEnumerable<(int Layer, string Method, Spread Loss)> MeanOverTasks(IReadOnlyList<SeedCells> seeds, IReadOnlyCollection<string>? meanExcludes)
    {
        var kept = seeds.Select(s => s.Cells.Where(c => meanExcludes?.Contains(c.Task) != true).ToList()).ToList();
        foreach (int layer in kept.SelectMany(k => k.Select(c => c.Layer)).Distinct().Order())
        {
            var at = kept.Select(k => k.Where(c => c.Layer == layer).ToList()).ToList();
            foreach (var m in Methods.All.Where(m => at.All(a => a.Count > 0 && a.All(c => c.Methods.ContainsKey(m)))))
                yield return (layer, m, Spread.Of(at.Select(a => a.Average(c => c.Methods[m].Loss)).ToList()));
        }
    }

    /// <summary>repeats.csv and the figures (per task, and the mean over tasks).</summary>
    public static void Write(string runDir, IReadOnlyList<SeedCells> seeds, string caption, IReadOnlyCollection<string>? meanExcludes)
    {
        static string S(Spread s) => FormattableString.Invariant($"{s.Mean:G6},{s.Sd:G6},{s.Min:G6},{s.Max:G6}");
        AtomicFile.WriteAllLines(Path.Combine(runDir, FileName), [
            "task,layer,method,loss_mean,loss_sd,loss_min,loss_max,accuracy_mean,accuracy_sd,accuracy_min,accuracy_max,seeds",
            .. Rows(seeds).Select(r => $"{r.Task},{r.Layer},{r.Method},{S(r.Loss)},{S(r.Accuracy)},{r.Loss.N}")]);
        string figures = Path.Combine(runDir, "figures");
        caption += $"; lines: mean over {seeds.Count} prompt seeds, bands: their range";
        foreach (var task in Rows(seeds).GroupBy(r => r.Task))
            LossByLayer(Path.Combine(figures, $"repeats.{TaskFileName.Of(task.Key)}"), $"{task.Key}: loss by layer over prompt seeds", caption,
                task.Select(r => (r.Layer, r.Method, r.Loss)));
        string left = meanExcludes is { Count: > 0 } ? $" (without {string.Join(", ", meanExcludes)})" : "";
        var mean = MeanOverTasks(seeds, meanExcludes).ToList();
        LossByLayer(Path.Combine(figures, "repeats.mean"), $"mean over tasks{left}: loss by layer over prompt seeds", caption, mean);
        // The figure's numbers beside it, for the report's link and for anyone replotting.
        AtomicFile.WriteAllLines(Path.Combine(figures, "repeats.mean.csv"), ["layer,method,loss_mean,loss_sd,loss_min,loss_max,seeds",
            .. mean.Select(r => $"{r.Layer},{r.Method},{S(r.Loss)},{r.Loss.N}")]);
    }

    private static void LossByLayer(string path, string title, string caption, IEnumerable<(int Layer, string Method, Spread Loss)> rows)
    {
        var byMethod = rows.GroupBy(r => r.Method).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Layer).ToList());
        Figures.Lines(path, title, caption, "layer (resid_pre)", "loss (nll of the answer's first tokens)", Methods.All.Where(byMethod.ContainsKey).Select(m =>
        {
            var r = byMethod[m];
            return (m, r.Select(x => (double)x.Layer).ToArray(), r.Select(x => x.Loss.Mean).ToArray(),
                (double[]?)r.Select(x => x.Loss.Min).ToArray(), (double[]?)r.Select(x => x.Loss.Max).ToArray());
        }));
    }
}
