using NativeTV.Organism;
using NativeTV.Transformer.Files;
using System.Text.Json;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using NativeTV.TaskVectors;

namespace NativeTV.Tests.Cli;

/// <summary>
/// The commands never harm what is at a path and keep a run folder whole: one writer at a time, the output
/// place checked before the work, tasks that differ only by '/' kept apart, every number-changing option in
/// the settings guard, bad result lines set aside, and --restart clearing what the run wrote and nothing else.
/// </summary>
public class RunFolderCommandTests
{
    /// <summary>Three tasks whose names differ only where '/' became '_' before: a/x, x and a_x.</summary>
    private static string CollidingTasks()
    {
        var dir = Fixtures.TempDir();
        var antonym = OrganismTasks.All().First(t => t.Name == "antonym");
        var json = JsonSerializer.Serialize(antonym.Pairs.Take(40).ToDictionary(p => p.Input, p => p.Output));
        Directory.CreateDirectory(Path.Combine(dir, "a"));
        foreach (var f in new[] { "a/x.json", "x.json", "a_x.json" }) File.WriteAllText(Path.Combine(dir, f), json);
        return dir;
    }

    [Test]
    public void ARunFolderKeepsItsTasksApartGuardsItsSettingsSetsBadLinesAsideAndRestartsClean()
    {
        var run = Fixtures.TempDir();
        var tasks = CollidingTasks();
        string[] common = ["--tasks", tasks, "--layers", "1", "--steps", "2"];
        var (exit, _, err) = TinySweepModel.Sweep(run, common);
        Assert.That(exit, Is.EqualTo(0), err);
        foreach (var (task, stem) in new[] { ("a/x", "a%2Fx"), ("x", "x"), ("a_x", "a_x") })
        {
            var provenance = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "cleaned", $"{stem}.L1.json"))).RootElement.GetProperty("provenance");
            Assert.That(provenance.GetProperty("task").GetString(), Is.EqualTo(task));
            Assert.That(File.Exists(Path.Combine(run, "figures", $"loss_by_layer.{stem}.png")), stem);
        }
        Assert.That(File.Exists(Path.Combine(run, RunLock.FileName)), Is.False, "the lock goes with the run");

        (exit, _, err) = TinySweepModel.Sweep(run, [.. common, "--loss-patience"]);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("other settings").And.Contain("loss_patience False -> True"));

        // A foreign line in the middle of the log: reported by number and set aside, the good lines kept.
        string log = Path.Combine(run, "results.jsonl");
        var lines = File.ReadAllLines(log);
        File.WriteAllLines(log, [lines[0], "{}", .. lines[1..]]);
        (exit, _, err) = TinySweepModel.Sweep(run, common);
        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(err, Does.Contain("line 2: not a sweep cell"));
        Assert.That(File.ReadAllLines(log), Is.EqualTo(lines));
        Assert.That(File.ReadAllLines(Path.Combine(run, ResultsLog.RejectedFile)), Is.EqualTo(new[] { "{}" }));

        // What the run and its feature steps wrote goes on --restart; a person's own file stays.
        File.WriteAllText(Path.Combine(run, "cleaned", "old.L1.json"), "{}");
        Directory.CreateDirectory(Path.Combine(run, "detectors"));
        File.WriteAllText(Path.Combine(run, "report.html"), "<html>");
        File.WriteAllText(Path.Combine(run, "notes.txt"), "mine");
        (exit, _, err) = TinySweepModel.Sweep(run, [.. common, "--restart"]);
        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(File.Exists(Path.Combine(run, "cleaned", "old.L1.json")), Is.False);
        Assert.That(Directory.Exists(Path.Combine(run, "detectors")) || File.Exists(Path.Combine(run, "report.html")) || File.Exists(Path.Combine(run, ResultsLog.RejectedFile)), Is.False);
        Assert.That(File.ReadAllText(Path.Combine(run, "notes.txt")), Is.EqualTo("mine"));
        Assert.That(File.ReadAllLines(log), Has.Length.EqualTo(3));
    }

    [Test]
    public void ASecondWriterIsRefusedBeforeAnyWork()
    {
        var run = Fixtures.TempDir();
        using (RunLock.Acquire(run, "sweep"))
        {
            var (exit, _, err) = TinySweepModel.Sweep(run, "--layers", "0");
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(err, Does.StartWith("error: ").And.Contain($"pid {Environment.ProcessId}"));
            (exit, _, err) = NativetvProcess.Run("feature-steer", "--model", TinySweepModel.Dir, "--run", run, "--layer", "1", "--features", "1", "--device", "cpu");
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(err, Does.Contain("in use by `nativetv sweep`"));
        }
        Assert.That(Directory.GetFileSystemEntries(run), Is.Empty, "nothing written by the refused runs");
    }

    [Test]
    public void OutputPlacesAreCheckedBeforeTheWorkAndDevicesAndLinksSurvive()
    {
        var dir = Fixtures.TempDir();
        var file = Path.Combine(dir, "a-file");
        File.WriteAllText(file, "mine");
        var (exit, _, err) = NativetvProcess.Run("clean", "--model", TinySweepModel.Dir, "--task", "antonym", "--layer", "1", "--out", file, "--device", "cpu");
        Assert.That((exit, err.Trim()), Is.EqualTo((1, $"error: --out {file}: is a file, not a folder")));
        Assert.That(File.ReadAllText(file), Is.EqualTo("mine"));

        string[] trace = ["trace", "--model", TinySweepModel.Dir, "--ids", "1,2,3", "--device", "cpu", "--out"];
        (exit, _, err) = NativetvProcess.Run([.. trace, "/dev/full"]);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.StartWith("error: "));
        Assert.That(OutputPath.IsSpecial("/dev/full"), "/dev/full is still a device");

        string target = Path.Combine(dir, "trace.safetensors"), link = Path.Combine(dir, "link.safetensors");
        File.CreateSymbolicLink(link, target);
        (exit, _, err) = NativetvProcess.Run([.. trace, link]);
        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(new FileInfo(link).LinkTarget, Is.EqualTo(target));
        Assert.That(new FileInfo(target).Length, Is.GreaterThan(100));
    }

    [Test]
    public void CommandsAfterTheSweepTakeItsSettingsAndRefuseContradictions()
    {
        var run = Fixtures.TempDir();
        Assert.That(TinySweepModel.Sweep(run, "--layers", "1", "--steps", "2", "--shots", "5", "--seed", "3").Exit, Is.EqualTo(0));
        // No --model: the sweep's (a tiny model, not the default organism) comes from settings.json.
        var (exit, _, err) = NativetvProcess.Run("feature-steer", "--run", run, "--layer", "1", "--features", "1,2", "--device", "cpu");
        Assert.That(exit, Is.EqualTo(0), err);
        (exit, _, err) = NativetvProcess.Run("feature-steer", "--run", run, "--layer", "1", "--features", "1", "--seed", "4", "--device", "cpu");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("--seed 4 contradicts the run's seed 3"));
        (exit, _, err) = NativetvProcess.Run("feature-steer", "--run", run, "--layer", "1", "--features", "1", "--seed", "3", "--model", TinySweepModel.Dir, "--device", "cpu");
        Assert.That(exit, Is.EqualTo(0), "agreeing options are fine: " + err);
    }
}
