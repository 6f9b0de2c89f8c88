using NativeTV.Transformer;
using System.Text.Json;
using NativeTV.Host.Reports;

namespace NativeTV.Host.Experiments;

/// <summary>
/// RUN_DIR/results.jsonl: one JSON line per finished cell, appended and flushed to disk as each cell
/// finishes, so a killed run resumes with no cell lost or repeated (a torn last line is dropped).
/// </summary>
public sealed class ResultsLog
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly string _path;
    public List<SweepCell> Cells { get; } = [];

    public ResultsLog(string path)
    {
        _path = path;
        if (!File.Exists(path)) return;
        var good = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            try { Cells.Add(JsonSerializer.Deserialize<SweepCell>(line, Json) ?? throw new JsonException("null")); good.Add(line); }
            catch (JsonException) { break; }
        }
        // Rewrite without a torn tail so appends start on a clean line.
        AtomicFile.WriteAllLines(path, good);
    }

    public bool Has(string task, int layer) => Cells.Any(c => c.Task == task && c.Layer == layer);

    public void Append(SweepCell cell)
    {
        using (var f = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(cell, Json) + "\n");
            f.Write(bytes);
            f.Flush(flushToDisk: true);
        }
        Cells.Add(cell);
    }

    /// <summary>results.csv: one row per task, layer and method.</summary>
    public void WriteCsv(string path)
    {
        var lines = new List<string> { "task,layer,method,loss,accuracy,l0" };
        foreach (var c in Cells.OrderBy(c => c.Task).ThenBy(c => c.Layer))
            foreach (var m in Methods.All.Where(c.Methods.ContainsKey))
            {
                var s = c.Methods[m];
                lines.Add(FormattableString.Invariant($"{c.Task},{c.Layer},{m},{s.Loss:G6},{s.Accuracy:G4},{s.L0}"));
            }
        AtomicFile.WriteAllLines(path, lines);
    }

    /// <summary>The cells of a results.csv as <see cref="WriteCsv"/> writes it (specificity is not in it), read without touching the run's log.</summary>
    public static List<SweepCell> FromCsv(CsvTable t)
    {
        int task = t.Column("task"), layer = t.Column("layer"), method = t.Column("method"), loss = t.Column("loss"), acc = t.Column("accuracy"), l0 = t.Column("l0");
        return t.Rows.GroupBy(r => (Task: r[task], Layer: (int)t.Number(r, layer)))
            .Select(g => new SweepCell(g.Key.Task, g.Key.Layer, g.ToDictionary(r => r[method],
                r => new MethodScore(t.Number(r, loss), t.Number(r, acc), r[l0] == "" ? null : (int)t.Number(r, l0)))))
            .ToList();
    }
}
