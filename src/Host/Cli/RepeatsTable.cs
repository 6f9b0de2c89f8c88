using NativeTV.TaskVectors.Runs;
using Spectre.Console;

namespace NativeTV.Host.Cli;

/// <summary>
/// The spread of a repeated sweep in the console: per layer, each method's loss averaged over tasks, as mean ± sd over
/// prompt seeds (every task, layer and the range are in repeats.csv). Layers, not each task's best layer, so no
/// layer is picked by the numbers it shows; then each claim's count of seeds where it holds.
/// </summary>
public static class RepeatsTable
{
    public static Table Create(IReadOnlyList<SeedCells> seeds, IReadOnlyCollection<string>? meanExcludes)
    {
        var rows = Repeats.MeanOverTasks(seeds, meanExcludes).ToList();
        var methods = Methods.All.Where(m => rows.Any(r => r.Method == m)).ToList();
        string left = meanExcludes is { Count: > 0 } ? $" without {string.Join(", ", meanExcludes)}" : "";
        var t = new Table().Border(TableBorder.Simple).Caption(Markup.Escape(
            $"loss averaged over tasks{left}: mean ± sd over {seeds.Count} prompt seeds ({seeds[0].Seed}-{seeds[^1].Seed}); {Repeats.FileName} has every task and the range"));
        t.AddColumn(new TableColumn("layer").RightAligned().Padding(1, 0, 0, 0));
        foreach (var m in methods) t.AddColumn(new TableColumn(Markup.Escape(SummaryTable.Short.GetValueOrDefault(m, m))).RightAligned().Padding(1, 0, 0, 0));
        foreach (var layer in rows.GroupBy(r => r.Layer))
            t.AddText([$"{layer.Key}", .. methods.Select(m => layer.FirstOrDefault(r => r.Method == m).Loss is { } s ? $"{s.Mean:F2}±{Sd(s.Sd)}" : "-")]);
        return t;
    }

    /// <summary>The sd without its leading zero (±.03), so nine columns fit 100.</summary>
    private static string Sd(double sd) => sd is >= 0 and < 1 ? $"{sd:F2}"[1..] : $"{sd:F2}";

    /// <summary>The spread table, then how many seeds each claim holds in.</summary>
    public static void Write(IReadOnlyList<SeedCells> seeds, IReadOnlyCollection<string>? meanExcludes, IReadOnlyList<Claim> claims)
    {
        SummaryTable.Print(Create(seeds, meanExcludes));
        if (claims.All(c => c.AcrossSeeds is null)) return;
        var t = TextTable.Create("claim", "over prompt seeds");
        foreach (var c in claims.Where(c => c.AcrossSeeds != null)) t.AddText(c.Name, c.AcrossSeeds!);
        AnsiConsole.Write(t.Caption($"the claims in each prompt seed ({Claims.FileName} has every seed's value, interval and verdict)"));
    }
}
