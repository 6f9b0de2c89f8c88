using Spectre.Console;

namespace NativeTV.Host.Cli;

/// <summary>
/// Tables of plain text. Spectre reads headers and cells as markup, so names with brackets (resid_pre[0], a task
/// named a[b]) would fail to print; these escape every one. A NaN prints as n/a (a score of no features, a task with
/// nothing to gain), since "NaN" reads as a bug.
/// </summary>
public static class TextTable
{
    public static Table Create(params string[] headers)
    {
        var t = new Table();
        foreach (var h in headers) t.AddColumn(Markup.Escape(h));
        return t;
    }

    public static Table AddText(this Table t, params string[] cells) =>
        t.AddRow(cells.Select(c => Markup.Escape(System.Text.RegularExpressions.Regex.Replace(c, @"\bNaN\b", "n/a"))).ToArray());
}
