using Spectre.Console;

namespace NativeTV.Host.Experiments;

/// <summary>The sweep's headline table: per task, the best layer by TV loss and every method's loss there.</summary>
public static class SweepSummary
{
    public static void Print(IReadOnlyList<SweepCell> cells)
    {
        var t = new Table().AddColumn("task").AddColumn("best layer");
        foreach (var m in Methods.All) t.AddColumn(m.Replace('_', ' '));
        foreach (var g in cells.GroupBy(c => c.Task))
        {
            var best = g.MinBy(c => c.Methods[Methods.Tv].Loss)!;
            t.AddRow([Markup.Escape(g.Key), $"{best.Layer}", .. Methods.All.Select(m => best.Methods.TryGetValue(m, out var s) ? $"{s.Loss:F2}" + (s.L0 is { } l0 ? $" ({l0})" : "") : "-")]);
        }
        t.Caption("loss at each task's best TV layer; (L0) = active SAE features");
        AnsiConsole.Write(t);
    }
}
