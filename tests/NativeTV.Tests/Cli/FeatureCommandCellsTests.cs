using NativeTV.Host.Cli;
using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using NativeTV.Tests.RunFolders;

namespace NativeTV.Tests.Cli;

/// <summary>
/// One cell of each feature command's CSV, recomputed here with the library from the same prompts (the organism's,
/// two tasks), to the CSVs' 5 significant digits: the steered and unsteered losses behind `feature-steer`, `detectors` and `cross-layer`, not just the
/// files' names and rows.
/// </summary>
public class FeatureCommandCellsTests
{
    private static PipelineContext _ctx = null!;

    [OneTimeSetUp]
    public void Open() => _ctx = PipelineContext.Open(BuiltInModel.Path, "cpu",
        PipelineContext.DefaultTasks(BuiltInModel.Path).Where(t => t.Name is "copy" or "antonym").ToList(), null, seed: 0);

    [OneTimeTearDown]
    public void Close() => _ctx.Dispose();

    private static string[] Run(string command, params string[] args)
    {
        string run = Fixtures.TempDir();
        var (exit, _, err) = NativetvProcess.Run([command, "--run", run, "--task", "copy,antonym", "--device", "cpu", .. args]);
        Assert.That(exit, Is.EqualTo(0), err);
        return [run];
    }

    /// <summary>The value in column <paramref name="col"/> of the row whose first cell is <paramref name="row"/>.</summary>
    private static double Cell(string csv, string row, string col)
    {
        var lines = File.ReadAllLines(csv);
        int c = Array.IndexOf(lines[0].Split(','), col);
        Assert.That(c, Is.GreaterThan(0), $"{csv} has no column {col}");
        return double.Parse(lines.Single(l => l.Split(',')[0] == row).Split(',')[c], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static double Loss(IReadOnlyList<Prompt> prompts, Steer? steer) => ScoreSummary.Of(PromptScorer.Score(_ctx.Model, prompts, steer, _ctx.NFirst)).Nll;

    private static TaskPrompts Antonym => _ctx.Prompts.Single(p => p.Task.Name == "antonym");

    [Test]
    public void AFeatureSteeringCellIsTheRelativeLossChangeOfThatFeatureAlone()
    {
        string run = Run("feature-steer", "--layer", "2", "--features", "5,9", "--scale", "20")[0];
        double baseLoss = Loss(Antonym.Eval, null);
        double steered = Loss(Antonym.Eval, new Steer(2, FeatureSteeringMatrix.UnitDirection(_ctx.Sae(2).Sae, 9), 20f));
        Assert.That(Cell(Path.Combine(run, "feature_steering", "relative_change.L2.csv"), "antonym", "f9"),
            Is.EqualTo((steered - baseLoss) / baseLoss).Within(0.01).Percent);
        // Its controls: a random unit direction at the same scale, from the same seed.
        var controls = File.ReadAllLines(Path.Combine(run, "feature_steering", "controls.L2.csv"));
        Assert.That(controls, Has.Length.EqualTo(3));
        Assert.That(controls[0], Does.StartWith("task,best_feature,best_feature_change,random_feature_f").And.EndWith("random_direction_change"));
        var c = SteeringControls.Measure(_ctx.Model, _ctx.Sae(2).Sae, 2, [("antonym", Antonym.Eval)], [5, 9], 20f, _ctx.NFirst);
        Assert.That(Cell(Path.Combine(run, "feature_steering", "controls.L2.csv"), "antonym", "random_direction_change"),
            Is.EqualTo(c.RandomDirectionChange[0]).Within(0.01).Percent);
    }

    [Test]
    public void ADetectorRowHoldsTheOneShotLossesWithoutAndWithTheDetectorVector()
    {
        string run = Run("detectors", "--layer", "1", "--steps", "3")[0];
        string csv = Path.Combine(run, "detectors", "summary.L1.csv");
        var raw = TaskVectorExtractor.Mean(_ctx.Model, Antonym.Icl, [1], ReadAt.OutputEnds)[0];
        Assert.That(Cell(csv, "antonym", "no_steering_loss"), Is.EqualTo(Loss(Antonym.EvalOneShot, null)).Within(0.01).Percent);
        Assert.That(Cell(csv, "antonym", "detector_vector_loss"), Is.EqualTo(Loss(Antonym.EvalOneShot, new Steer(1, raw))).Within(0.01).Percent);
    }

    [Test]
    public void ACrossLayerRowHoldsBothLayersTaskVectorLosses()
    {
        string run = Run("cross-layer", "--from", "1", "--to", "2", "--steps", "3")[0];
        string csv = Path.Combine(run, "cross_layer", "summary.L1-L2.csv");
        var tv = TaskVectorExtractor.Mean(_ctx.Model, Antonym.Icl, [1, 2], lastOnly: false);
        Assert.That(Cell(csv, "antonym", "early_tv_loss"), Is.EqualTo(Loss(Antonym.Eval, new Steer(1, tv[0]))).Within(0.01).Percent);
        Assert.That(Cell(csv, "antonym", "late_tv_loss"), Is.EqualTo(Loss(Antonym.Eval, new Steer(2, tv[1]))).Within(0.01).Percent);
    }

    [Test]
    public void CrossLayerReadsTheSweepsCleanedVectorsOnlyWhereTheRecipeIsTheSame()
    {
        string root = Fixtures.TempDir(), tasks = Path.Combine(root, "tasks"), run = Path.Combine(root, "run");
        Directory.CreateDirectory(tasks);
        foreach (var t in new[] { "copy", "antonym" })
            File.Copy(Path.Combine(BuiltInModel.Path, "tasks", t + ".json"), Path.Combine(tasks, t + ".json"));
        string[] common = ["--run", run, "--tasks", tasks, "--device", "cpu"];
        var sweep = NativetvProcess.Run(["sweep", "--out", run, "--tasks", tasks, "--device", "cpu", "--layers", "1", "--steps", "3"]);
        Assert.That(sweep.Exit, Is.EqualTo(0), sweep.Err);
        var same = NativetvProcess.Run(["cross-layer", .. common, "--from", "1", "--to", "2", "--steps", "3"]);
        Assert.That(same.Exit, Is.EqualTo(0), same.Err);
        Assert.That(same.Out, Does.Contain("the sweep's layer-1 cleaned vectors of 2 of 2 tasks"));
        // The row scores the sweep's cleaned vector: the sweep's own evaluation of it, to the CSVs' digits.
        var swept = ResultsCsv.Rows(run).Single(c => c["task"] == "antonym" && c["layer"] == "1" && c["method"] == "cleaned" && c["queries"] == ResultsLog.EvalQueries);
        string csv = Path.Combine(run, "cross_layer", "summary.L1-L2.csv");
        Assert.That(Cell(csv, "antonym", "early_cleaned_loss"), Is.EqualTo(ResultsCsv.Number(swept["loss"])).Within(0.01).Percent);
        Assert.That(Cell(csv, "antonym", "cleaned_l0"), Is.EqualTo(ResultsCsv.Number(swept["l0"])));

        var other = NativetvProcess.Run(["cross-layer", .. common, "--from", "1", "--to", "2", "--steps", "4"]);
        Assert.That(other.Exit, Is.EqualTo(0), other.Err);
        Assert.That(other.Out, Does.Not.Contain("the sweep's layer-1 cleaned vectors"));
    }
}
