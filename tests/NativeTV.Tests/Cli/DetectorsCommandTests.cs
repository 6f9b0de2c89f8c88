namespace NativeTV.Tests.Cli;

/// <summary>`detectors` on the organism as a user runs it: chosen tasks only, every output file, and unknown task names named.</summary>
public class DetectorsCommandTests
{
    [Test]
    public void WritesTheSummaryVectorsAndMatrixForTheChosenTasks()
    {
        string run = Fixtures.TempDir();
        var (exit, stdout, err) = NativetvProcess.Run("detectors", "--layer", "1", "--task", "copy,antonym", "--steps", "30", "--run", run, "--device", "cpu");
        Assert.That(exit, Is.EqualTo(0), err + stdout);
        string dir = Path.Combine(run, "detectors");
        var summary = File.ReadAllLines(Path.Combine(dir, "summary.L1.csv"));
        Assert.That(summary.Skip(1).Select(l => l.Split(',')[0]), Is.EqualTo(new[] { "copy", "antonym" }));
        Assert.That(Directory.GetFiles(Path.Combine(dir, "cleaned"), "*.json").Select(Path.GetFileName), Is.EquivalentTo(new[] { "copy.L1.json", "antonym.L1.json" }));
        foreach (var f in new[] { "relative_change.L1.csv", "relative_change.L1.png", "normalised_decrease.L1.csv", "loss.L1.png" })
            Assert.That(File.Exists(Path.Combine(dir, f)), f);
    }

    [Test]
    public void AnUnknownTaskIsNamedWithTheTasksThereAre()
    {
        var (exit, _, err) = NativetvProcess.Run("detectors", "--layer", "1", "--task", "copy,nosuch", "--device", "cpu");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("--task: no task nosuch (tasks: antonym, antonym_B, category,"));
    }
}
