using System.Text;

namespace NativeTV.Host.Reports;

/// <summary>
/// A CSV file of a run folder: a header line, then rows of the same width. Fields may be double-quoted
/// ("" for a quote inside), as other tools write them; a quoted field cannot span lines. Errors name the file.
/// </summary>
public sealed record CsvTable(string Path, string[] Header, IReadOnlyList<string[]> Rows)
{
    public static CsvTable Read(string path)
    {
        var lines = File.ReadAllLines(path).Select((text, i) => (text, number: i + 1)).Where(l => l.text.Length > 0).ToList();
        if (lines.Count == 0) throw new ArgumentException($"{path}: empty CSV (no header line)");
        var header = Split(path, lines[0].text, lines[0].number);
        var rows = lines.Skip(1).Select(l =>
        {
            var r = Split(path, l.text, l.number);
            return r.Length == header.Length ? r : throw new ArgumentException($"{path}: line {l.number} has {r.Length} fields, the header {header.Length}");
        }).ToList();
        return new CsvTable(path, header, rows);
    }

    public int Column(string name)
    {
        int i = Array.IndexOf(Header, name);
        return i >= 0 ? i : throw new ArgumentException($"{Path}: no column '{name}' (columns: {string.Join(",", Header)})");
    }

    /// <summary>A cell as a number (invariant culture), or an error naming the file, column and value.</summary>
    public double Number(string[] row, int column) =>
        double.TryParse(row[column], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v
            : throw new ArgumentException($"{Path}: {Header[column]} '{row[column]}' is not a number");

    private static string[] Split(string path, string line, int number)
    {
        var fields = new List<string>();
        var f = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { f.Append('"'); i++; }
            else if (c == '"' && (quoted || f.Length == 0)) quoted = !quoted;
            else if (c == ',' && !quoted) { fields.Add(f.ToString()); f.Clear(); }
            else f.Append(c);
        }
        if (quoted) throw new ArgumentException($"{path}: line {number} has an unclosed quote");
        fields.Add(f.ToString());
        return fields.ToArray();
    }
}
