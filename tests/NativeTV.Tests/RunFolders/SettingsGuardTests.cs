using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.RunFolders;

/// <summary>The settings guard: a resume in another precision is refused; a finishing run (it computes nothing) may run in any.</summary>
public class SettingsGuardTests
{
    private static Dictionary<string, string> Settings(string precision) => new() { ["layers"] = "2", ["precision"] = precision };

    [Test]
    public void PrecisionIsGuardedExceptWhenFinishing()
    {
        var dir = Fixtures.TempDir();
        using (var f = RunFolder.Open(dir, "--out", "sweep")) f.Guard(Settings("bf16"), restart: false);
        File.WriteAllText(Path.Combine(dir, "results.jsonl"), "");
        using (var f = RunFolder.Open(dir, "--out", "sweep"))
        {
            var e = Assert.Throws<ArgumentException>(() => f.Guard(Settings("f32"), restart: false));
            Assert.That(e!.Message, Does.Contain("precision bf16 -> f32"));
        }
        using (var f = RunFolder.Open(dir, "--out", "sweep", finishing: true))
        {
            f.Guard(Settings("f32"), restart: false);
            var e = Assert.Throws<ArgumentException>(() => f.Guard(new Dictionary<string, string>(Settings("f32")) { ["layers"] = "3" }, restart: false));
            Assert.That(e!.Message, Does.Contain("layers 2 -> 3").And.Not.Contain("precision"));
        }
    }
}

/// <summary>The finishing job of `slurm sweep` runs on the CPU in its own precision, whatever device and precision the array tasks use.</summary>
public class SlurmFinishScriptTests
{
    [Test]
    public void TheFinishingJobDropsTheArraysDeviceAndPrecision()
    {
        var s = new NativeTV.Host.Cli.SlurmScripts(2, null, null, null, 1, "runs/x", ["--out", "runs/x", "--device", "cuda", "--precision", "bf16", "--layers", "2"]);
        string finish = s.FinishScript(), sweep = s.ArrayScript();
        Assert.That(finish, Does.Contain("'--layers' '2' --device cpu --finish").And.Not.Contain("bf16").And.Not.Contain("cuda"));
        Assert.That(sweep, Does.Contain("'--precision' 'bf16'").And.Contain("'cuda'"));
    }
}
