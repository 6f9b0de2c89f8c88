namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// The sweep's headline table: per task, the best layer by TV loss on the cleaning prompts (<see cref="BestLayer"/>) and
/// every method's evaluation loss there (printed by sweep, shown by the report).
/// </summary>
public static class SweepSummary
{
    public static string Caption(IReadOnlyList<SweepCell> cells) =>
        $"evaluation loss at each task's best TV layer ({(BestLayer.Of(cells) is { } c ? BestLayer.How(c) : "no task vector")}); " +
        "(L0) = active SAE features; - = not run (for the SAE methods: no SAE at that layer)";

    public static string[] Header => ["task", "best layer", .. Methods.All.Select(m => m.Replace('_', ' '))];

    /// <summary>One row per task, cells as shown: the best layer, then each method's loss there ("-" where the method did not run, which for the SAE methods means no SAE at the layer; "n/a" where it has no loss).</summary>
    public static List<string[]> Rows(IReadOnlyList<SweepCell> cells) => cells.GroupBy(c => c.Task).Select(g => (g, BestLayer.Of(g))).Where(x => x.Item2 != null).Select(x =>
    {
        var (g, choice) = x;
        var best = g.First(c => c.Layer == choice!.Layer);
        return (string[])[g.Key, $"{best.Layer}", .. Methods.All.Select(m => best.Methods.TryGetValue(m, out var s) ? (double.IsNaN(s.Loss) ? "n/a" : $"{s.Loss:F2}") + (s.L0 is { } l0 ? $" ({l0})" : "") : "-")];
    }).ToList();
}
