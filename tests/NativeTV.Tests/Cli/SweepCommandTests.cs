using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.Cli;

/// <summary>
/// `nativetv sweep` and `clean` end to end on a small random model over the organism's vocabulary with a
/// random SAE: every file is written, an interrupted run resumes with no cell lost or repeated, and a run
/// folder refuses other settings.
/// </summary>
public class SweepCommandTests
{
    private static string _model => TinySweepModel.Dir;

    private static (int, string, string) Sweep(string run, params string[] extra) =>
        TinySweepModel.Sweep(run, ["--steps", "5", .. extra]);

    [Test]
    public void ProfilePrintsEveryOpsTimeAtTheEnd()
    {
        var (exit, stdout, err) = Sweep(Fixtures.TempDir(), "--layers", "0", "--profile");
        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain("every op of the 12 cells run"));
        foreach (var op in new[] { "MatMul", "Attention", "RmsNorm" }) Assert.That(ConsoleTable.Value(stdout, op), Does.Match(@"^\d+$"), op);
    }

    [Test]
    public void SweepWritesEveryOutputAndResumesWithoutLosingOrRepeatingCells()
    {
        var run = Fixtures.TempDir();
        var (exit, _, err) = Sweep(run, "--layers", "0-2");
        Assert.That(exit, Is.EqualTo(0), err);
        var cells = File.ReadAllLines(Path.Combine(run, "results.jsonl"));
        Assert.That(cells, Has.Length.EqualTo(12 * 3));
        Assert.That(File.ReadAllLines(Path.Combine(run, "results.csv")).Length, Is.GreaterThan(12 * 3 * 4));
        foreach (var f in new[] { "figures/loss_by_layer.mean.png", "figures/loss_by_layer.copy.svg", "figures/task_specificity.L1.png", "cleaned/copy.L1.json", "cleaned/copy.L1.safetensors" })
            Assert.That(File.Exists(Path.Combine(run, f)), f);
        var withSae = new ResultsLog(Path.Combine(run, "results.jsonl")).Cells.Where(c => c.Layer == 1).ToList();
        Assert.That(withSae.All(c => c.Methods.ContainsKey(Methods.Cleaned) && c.Specificity != null));
        // The organism's tasks have held-out word splits: the TV and the cleaned vector scored on them, beside zero-shot and ICL.
        Assert.That(withSae.Select(c => c.HeldOut?.Keys.Order().ToArray()), Is.All.EqualTo(new[] { "text-only", "unseen" }));
        Assert.That(withSae.SelectMany(c => c.HeldOut!.Values).Select(m => m.Keys.Order().ToArray()),
            Is.All.EqualTo(new[] { Methods.Cleaned, Methods.Icl, Methods.Tv, Methods.ZeroShot }.Order().ToArray()));
        var csv = File.ReadAllLines(Path.Combine(run, "results.csv"));
        Assert.That(csv[0], Does.EndWith(",queries"));
        Assert.That(csv.Count(l => l.EndsWith(",unseen")), Is.EqualTo(12 * (3 * 3 + 1)), "zero-shot, ICL and TV at every layer, cleaned at the SAE's");
        Assert.That(File.Exists(Path.Combine(run, "figures", HeldOutFigure.Name + ".png")));
        Assert.That(Claims.Read(run)!.Select(c => c.Name), Has.Some.EndsWith("on held-out text-only words"));
        var environment = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(run, RunFolder.EnvironmentFile)))!;
        Assert.That(environment["sweep"], Does.StartWith("cpu: CPU").And.Contain("OpenBLAS"));

        // Interrupted: drop the last 5 cells and leave a torn line, as a kill mid-write would; resumed with
        // other threads, which change where it runs, not what it computes.
        File.WriteAllLines(Path.Combine(run, "results.jsonl"), cells[..^5]);
        File.AppendAllText(Path.Combine(run, "results.jsonl"), cells[^5][..20]);
        (exit, var stdout, err) = Sweep(run, "--layers", "0-2", "--threads", "1");
        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain("31 cells done, 5 to go"));
        var after = new ResultsLog(Path.Combine(run, "results.jsonl")).Cells;
        Assert.That(after.Select(c => (c.Task, c.Layer)), Is.Unique);
        Assert.That(after, Has.Count.EqualTo(36));

        (exit, _, err) = Sweep(run, "--layers", "0-1");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("other settings").And.Contain("layers"));
    }

    [Test]
    public void CleanWritesTheVectorFeaturesAndFigureAndHonoursAFixedFeatureSet()
    {
        var outDir = Fixtures.TempDir();
        var (exit, _, err) = NativetvProcess.Run("clean", "--model", _model, "--task", "antonym", "--layer", "1", "--steps", "10", "--out", outDir, "--device", "cpu");
        Assert.That(exit, Is.EqualTo(0), err);
        foreach (var ext in new[] { ".json", ".safetensors", ".curve.csv", ".features.png" })
            Assert.That(File.Exists(Path.Combine(outDir, "antonym.L1" + ext)), ext);
        (exit, _, err) = NativetvProcess.Run("clean", "--model", _model, "--task", "antonym", "--layer", "1", "--steps", "5", "--out", outDir, "--features", "3,7", "--l1", "0", "--device", "cpu");
        Assert.That(exit, Is.EqualTo(0), err);
        var json = File.ReadAllText(Path.Combine(outDir, "antonym.L1.fixed.json"));
        var ids = System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("features").EnumerateArray().Select(e => e.GetProperty("id").GetInt32());
        Assert.That(ids, Is.SubsetOf(new[] { 3, 7 }));
        (exit, _, err) = NativetvProcess.Run("clean", "--model", _model, "--task", "nope", "--layer", "1", "--device", "cpu");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("no task 'nope'"));
    }
}
