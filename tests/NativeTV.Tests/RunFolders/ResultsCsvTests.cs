using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.RunFolders;

/// <summary>results.csv from made-up cells: which lambda each cleaned row used, and the cleaning-split loss where a score has one.</summary>
public class ResultsCsvTests
{
    private static MethodScore S(double loss, double? clean = null, double? l1 = null, int? l0 = null) => new(loss, 0.5, l0) { CleanLoss = clean, L1 = l1 };

    private static SweepCell Cell(int layer, double l1) => new("a", layer, new()
    {
        [Methods.ZeroShot] = S(3),
        [Methods.Tv] = S(1.25, clean: 1.5),
        [Methods.Cleaned] = S(0.75, clean: 0.5 + layer, l1: l1, l0: 4),
        [Methods.TopK] = S(2, l0: 4),
    }, HeldOut: new() { ["unseen"] = new() { [Methods.Tv] = S(2.5), [Methods.Cleaned] = S(2.25) } });

    [Test]
    public void CleanedRowsCarryTheirLambdaAndScoresTheirCleaningSplitLoss()
    {
        string run = Fixtures.TempDir(), log = Path.Combine(run, "results.jsonl");
        var results = new ResultsLog(log);
        results.Append(Cell(1, 0.01));
        results.Append(Cell(2, 0.03));
        results.WriteCsv(Path.Combine(run, "results.csv"));

        string header = File.ReadLines(Path.Combine(run, "results.csv")).First();
        Assert.That(header.Split(',').Except(["l1", "clean_loss"]), Is.EqualTo("task,layer,method,loss,accuracy,l0,queries".Split(',')), "the old columns, in their order");
        var rows = ResultsCsv.Rows(run);
        Assert.That(rows, Has.Count.EqualTo(2 * 6));
        // Recomputed from the log as read back, not from the cells above.
        foreach (var cell in ResultsLog.Read(log))
            foreach (var (queries, scores) in cell.HeldOut!.Append(KeyValuePair.Create(ResultsLog.EvalQueries, cell.Methods)))
                foreach (var (method, score) in scores)
                {
                    var row = rows.Single(r => r["layer"] == $"{cell.Layer}" && r["method"] == method && r["queries"] == queries);
                    string l1 = method == Methods.Cleaned ? FormattableString.Invariant($"{cell.Methods[Methods.Cleaned].L1:G6}") : "";
                    Assert.That(row["l1"], Is.EqualTo(l1), $"{method} at layer {cell.Layer}, {queries}");
                    Assert.That(row["clean_loss"], Is.EqualTo(score.CleanLoss is double c ? FormattableString.Invariant($"{c:G6}") : ""), $"{method} at layer {cell.Layer}, {queries}");
                }
        Assert.That(rows.Where(r => r["method"] == Methods.Cleaned).Select(r => r["l1"]).Distinct(), Is.EqualTo(new[] { "0.01", "0.03" }));
        Assert.That(rows.Single(r => r["layer"] == "2" && r["method"] == Methods.Cleaned && r["queries"] == "eval")["clean_loss"], Is.EqualTo("2.5"));
    }
}
