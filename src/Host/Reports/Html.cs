using System.Globalization;
using System.Net;
using System.Text;

namespace NativeTV.Host.Reports;

/// <summary>The pieces of HTML the report is made of. Every text given here is escaped; markup goes in only where a parameter says so.</summary>
public static class Html
{
    public static string Esc(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Numbers as the report shows them: 3 significant digits (whole numbers from 1000 on), invariant culture; "n/a" for NaN.</summary>
    public static string Num(double v) => double.IsNaN(v) ? "n/a"
        : v.ToString(Math.Abs(v) >= 1000 ? "F0" : "G3", CultureInfo.InvariantCulture);

    /// <summary>Losses with 2 decimals, as the console shows them, so a reader can compare the two; "n/a" for NaN.</summary>
    public static string Loss(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>
    /// A table the page's script sorts by the clicked column. Cells are escaped text unless <paramref name="markup"/>
    /// gives markup for (column, text); cells that parse as numbers are right-aligned.
    /// </summary>
    public static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, Func<int, string, string?>? markup = null)
    {
        var b = new StringBuilder("<div class=\"tablebox\"><table class=\"sortable\"><thead><tr>");
        foreach (var h in header) b.Append("<th>").Append(Esc(h)).Append("</th>");
        b.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            b.Append("<tr>");
            for (int i = 0; i < row.Count; i++)
                b.Append(IsNumber(row[i]) ? "<td class=\"num\">" : "<td>").Append(markup?.Invoke(i, row[i]) ?? Esc(row[i])).Append("</td>");
            b.Append("</tr>");
        }
        return b.Append("</tbody></table></div>").ToString();
    }

    /// <summary>A CSV file as a sortable table in a scrolling box, captioned with its file name.</summary>
    public static string Csv(CsvTable t, string caption) =>
        $"<div class=\"csv\"><div class=\"scroll\">{Table(t.Header, t.Rows)}</div><p class=\"cap\">{Esc(caption)} ({t.Rows.Count} rows)</p></div>";

    /// <summary>Key/value pairs (settings, scores) in a compact grid.</summary>
    public static string KeyValues(IEnumerable<(string Key, string Value)> pairs) =>
        "<dl class=\"kv\">" + string.Concat(pairs.Select(p => $"<div><dt>{Esc(p.Key)}</dt><dd>{Esc(p.Value)}</dd></div>")) + "</dl>";

    /// <summary>
    /// A figure embedded as a data URI (the page needs no other file): its SVG where that is smaller than its PNG (line
    /// plots are, by 2-3 times, which keeps the page small), described by <paramref name="alt"/>, captioned with its
    /// file, and linked to the CSV of its numbers (<paramref name="csvHref"/>, relative to the run folder) where there is one.
    /// </summary>
    public static string Figure(string pngPath, string file, string alt, string? csvHref = null)
    {
        string svg = Path.ChangeExtension(pngPath, ".svg");
        bool useSvg = File.Exists(svg) && new FileInfo(svg).Length < new FileInfo(pngPath).Length;
        string uri = useSvg ? "data:image/svg+xml;base64," + Convert.ToBase64String(File.ReadAllBytes(svg))
            : "data:image/png;base64," + Convert.ToBase64String(File.ReadAllBytes(pngPath));
        string numbers = csvHref == null ? "" : $" &middot; numbers: <a href=\"{Esc(csvHref)}\">{Esc(csvHref)}</a>";
        return $"<figure><img alt=\"{Esc(alt)}\" title=\"click to enlarge\" src=\"{uri}\"><figcaption>{Esc(file)}{numbers}</figcaption></figure>";
    }

    /// <summary>Where a section's numbers came from: the file(s) and what made them.</summary>
    public static string Source(string files, string? note = null) =>
        $"<p class=\"src\">from <code>{Esc(files)}</code>{(string.IsNullOrEmpty(note) ? "" : " &middot; " + Esc(note))}</p>";

    private static bool IsNumber(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
