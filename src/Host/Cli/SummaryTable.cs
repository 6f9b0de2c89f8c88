using NativeTV.TaskVectors.Runs;
using Spectre.Console;

namespace NativeTV.Host.Cli;

/// <summary>
/// The sweep's summary (<see cref="SweepSummary"/>) on the console. Nine method columns fit 100 columns only with
/// two-line short headers and no vertical rules; task names never wrap. Without a terminal it is laid out for 100
/// columns, not Spectre's default 80, since no screen will wrap it.
/// </summary>
public static class SummaryTable
{
    internal static readonly Dictionary<string, string> Short = new()
    {
        [Methods.ZeroShot] = "zero\nshot", [Methods.Tv] = "TV", [Methods.TvScaled] = "TV\nscaled", [Methods.TvMinusCorrupted] = "TV -\ncorrupt",
        [Methods.SaeRecon] = "SAE\nrecon", [Methods.TopK] = "SAE\ntop-k", [Methods.Pursuit] = "grad.\npursuit", [Methods.Cleaned] = "cleaned", [Methods.Icl] = "ICL",
    };

    public const int Width = 100;

    public static Table Create(IReadOnlyList<SweepCell> cells)
    {
        var t = new Table().Border(TableBorder.Simple).Caption(Markup.Escape(SweepSummary.Caption(cells)));
        // One space of padding each, beside the border's one: Spectre's default two would take 11 of the 100 columns.
        t.AddColumn(new TableColumn("task").NoWrap().Padding(1, 0, 0, 0));
        t.AddColumn(new TableColumn("best\nlayer").RightAligned().Padding(1, 0, 0, 0));
        foreach (var m in Methods.All) t.AddColumn(new TableColumn(Markup.Escape(Short.GetValueOrDefault(m, m))).RightAligned().Padding(1, 0, 0, 0));
        foreach (var row in SweepSummary.Rows(cells)) t.AddText(row);
        return t;
    }

    public static void Write(IReadOnlyList<SweepCell> cells) => Print(Create(cells));

    /// <summary>A table laid out as this one: for the screen, or for 100 columns without one.</summary>
    internal static void Print(Table t)
    {
        var console = Screen.IsOutput ? AnsiConsole.Console : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (!Screen.IsOutput) console.Profile.Width = Width;
        console.Write(t);
    }
}
