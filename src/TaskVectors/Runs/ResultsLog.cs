using NativeTV.Transformer.Files;
using System.Text.Json;

namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// RUN_DIR/results.jsonl: one JSON line per finished cell, appended and flushed to disk as each cell
/// finishes, so a killed run resumes with no cell lost or repeated. On reading, each line is checked: a torn
/// last line (an interrupted write) is dropped; any other line that is not a cell of this sweep (bad JSON,
/// the wrong schema, a task or layer outside the sweep, a repeat of an earlier cell) is reported by line
/// number and moved to results.rejected.jsonl, and every good line is kept.
/// </summary>
public sealed class ResultsLog
{
    public const string RejectedFile = "results.rejected.jsonl";
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true,
    };
    private readonly string _path;
    public List<SweepCell> Cells { get; } = [];

    /// <summary>The log at <paramref name="path"/> for appending, keeping only cells of these tasks and layers (null: any).</summary>
    public ResultsLog(string path, IReadOnlyCollection<string>? tasks = null, IReadOnlyCollection<int>? layers = null)
    {
        _path = path;
        if (!File.Exists(path)) return;
        var (cells, good, rejected) = Parse(path, tasks, layers);
        Cells.AddRange(cells);
        SetAside(path, rejected);
        // Rewrite with the good lines only, so appends start on a clean line.
        AtomicFile.WriteAllLines(path, good);
    }

    /// <summary>
    /// Moves the cells of other logs (a sharded sweep's) that this one lacks into it, then deletes them; a merge cut
    /// short is redone by the next, since a cell already here is not appended twice.
    /// </summary>
    public void Merge(IEnumerable<string> logs, IReadOnlyCollection<string>? tasks, IReadOnlyCollection<int>? layers)
    {
        foreach (var path in logs.ToList())
        {
            var (cells, _, rejected) = Parse(path, tasks, layers);
            SetAside(path, rejected);
            foreach (var c in cells.Where(c => !Has(c.Task, c.Layer))) Append(c);
            File.Delete(path);
        }
    }

    /// <summary>Bad lines go to results.rejected.jsonl beside their log (nothing is lost), with a warning naming them.</summary>
    private static void SetAside(string path, List<(int Line, string Text, string Why)> rejected)
    {
        if (rejected.Count == 0) return;
        string moved = Path.Combine(Path.GetDirectoryName(path)!, RejectedFile);
        File.AppendAllLines(moved, rejected.Select(r => r.Text));
        Warn(path, rejected, $"skipped and moved to {moved}");
    }

    /// <summary>The cells of a finished run's log, read without touching it (bad lines are skipped with a warning).</summary>
    public static IReadOnlyList<SweepCell> Read(string path)
    {
        var (cells, _, rejected) = Parse(path, null, null);
        if (rejected.Count > 0) Warn(path, rejected, "skipped");
        return cells;
    }

    private static (List<SweepCell> Cells, List<string> Good, List<(int Line, string Text, string Why)> Rejected) Parse(
        string path, IReadOnlyCollection<string>? tasks, IReadOnlyCollection<int>? layers)
    {
        var lines = File.ReadAllText(path).Split('\n');
        // The piece after the last newline is empty, or a line whose write was cut off.
        int last = lines.Length - 1;
        var cells = new List<SweepCell>();
        var good = new List<string>();
        var rejected = new List<(int, string, string)>();
        var seen = new Dictionary<(string, int), int>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var cell = ReadLine(lines[i]);
            if (cell is null && i == last) continue;
            string? why = cell is null ? "not a sweep cell (bad JSON, or a task, layer or method score missing)"
                : tasks?.Contains(cell.Task) == false ? $"task {cell.Task} is not one of this sweep's"
                : layers?.Contains(cell.Layer) == false ? $"layer {cell.Layer} is not one of this sweep's"
                : seen.TryGetValue((cell.Task, cell.Layer), out int first) ? $"repeats {cell.Task}, layer {cell.Layer} of line {first}"
                : null;
            if (why != null) { rejected.Add((i + 1, lines[i], why)); continue; }
            seen[(cell!.Task, cell.Layer)] = i + 1;
            cells.Add(cell);
            good.Add(lines[i]);
        }
        return (cells, good, rejected);
    }

    private static void Warn(string path, List<(int Line, string Text, string Why)> rejected, string what) =>
        Console.Error.WriteLine($"warning: {path}: {rejected.Count} line(s) {what}: " + string.Join("; ", rejected.Select(r => $"line {r.Line}: {r.Why}")));

    /// <summary>A line's cell, or null when it is not one: bad JSON or a required field missing.</summary>
    private static SweepCell? ReadLine(string line)
    {
        try
        {
            var c = JsonSerializer.Deserialize<SweepCell>(line, Json);
            return c is { Task.Length: > 0, Methods.Count: > 0 } ? c : null;
        }
        catch (JsonException) { return null; }
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

    /// <summary>What results.csv's queries column says of the main scores: the evaluation queries (train words where a task has splits).</summary>
    public const string EvalQueries = "eval";

    /// <summary>results.csv's columns: the row's key, its cleaning L1 (cleaned rows), evaluation scores, cleaning-split loss (where scored), queries.</summary>
    public const string CsvHeader = "task,layer,method,l1,loss,accuracy,l0,clean_loss,queries";

    /// <summary>
    /// results.csv: one row per task, layer, method and queries (<see cref="EvalQueries"/>, or a held-out word split).
    /// A cleaned row's l1 is its vector's (the cell's cleaned score's, held-out rows scoring the same vector); clean_loss is the score's own.
    /// </summary>
    public void WriteCsv(string path)
    {
        var lines = new List<string> { CsvHeader };
        foreach (var c in Cells.OrderBy(c => c.Task).ThenBy(c => c.Layer))
        {
            double? l1 = c.Methods.GetValueOrDefault(Methods.Cleaned)?.L1;
            foreach (var (queries, scores) in (c.HeldOut ?? []).OrderBy(h => h.Key, StringComparer.Ordinal).Prepend(KeyValuePair.Create(EvalQueries, c.Methods)))
                foreach (var m in Methods.All.Where(scores.ContainsKey))
                {
                    var s = scores[m];
                    lines.Add(FormattableString.Invariant($"{c.Task},{c.Layer},{m},{(m == Methods.Cleaned ? l1 : null):G6},{s.Loss:G6},{s.Accuracy:G4},{s.L0},{s.CleanLoss:G6},{queries}"));
                }
        }
        AtomicFile.WriteAllLines(path, lines);
    }
}
