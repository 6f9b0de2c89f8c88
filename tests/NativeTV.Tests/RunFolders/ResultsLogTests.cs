using System.Text.Json;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.RunFolders;

/// <summary>results.jsonl on resume: every good line kept, every bad one reported by number and moved aside, never a crash.</summary>
public class ResultsLogTests
{
    private static string Cell(string task, int layer) =>
        JsonSerializer.Serialize(new SweepCell(task, layer, new() { [Methods.Tv] = new MethodScore(0.5, 0.75, null) }), ResultsLog.Json);

    [Test]
    public void BadLinesAreReportedByNumberAndMovedAsideAndGoodOnesKept()
    {
        var dir = Fixtures.TempDir();
        var path = Path.Combine(dir, "results.jsonl");
        string[] lines =
        [
            Cell("a", 0), "{}", "{\"task\": ", Cell("b", 1), Cell("a", 0), Cell("a", 5), Cell("zzz", 1),
            "{\"task\":\"c\",\"methods\":{\"tv\":null}}", "{\"task\":\"c\",\"methods\":{\"tv\":{\"loss\":1,\"accuracy\":0}}}", Cell("c", 0),
        ];
        File.WriteAllText(path, string.Join("\n", lines) + "\n" + Cell("c", 1)[..15]);   // and a torn last line
        var err = new StringWriter();
        var saved = Console.Error;
        Console.SetError(err);
        ResultsLog log;
        try { log = new ResultsLog(path, ["a", "b", "c"], [0, 1]); }
        finally { Console.SetError(saved); }

        Assert.That(log.Cells.Select(c => (c.Task, c.Layer)), Is.EqualTo(new[] { ("a", 0), ("b", 1), ("c", 0) }));
        Assert.That(File.ReadAllLines(path), Is.EqualTo(new[] { lines[0], lines[3], lines[9] }));
        Assert.That(File.ReadAllLines(Path.Combine(dir, ResultsLog.RejectedFile)), Is.EqualTo(lines[1..3].Concat(lines[4..9])));
        string w = err.ToString();
        TestContext.Out.WriteLine(w);
        foreach (var n in new[] { 2, 3, 5, 6, 7, 8, 9 }) Assert.That(w, Does.Contain($"line {n}:"));
        Assert.That(w, Does.Contain("repeats a, layer 0 of line 1").And.Contain("layer 5 is not one of this sweep's").And.Contain("task zzz"));
        Assert.That(w, Does.Not.Contain("line 11"), "a torn last line is an interrupted write, dropped without a warning");
    }

    [Test]
    public void WithoutFiltersEveryWellFormedCellIsRead()
    {
        var path = Path.Combine(Fixtures.TempDir(), "results.jsonl");
        File.WriteAllLines(path, [Cell("a", 0), Cell("a", 7)]);
        Assert.That(new ResultsLog(path).Cells, Has.Count.EqualTo(2));
    }
}
