using System.Diagnostics;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.Cli;

/// <summary>
/// A sweep split into shards gives the one-process sweep's numbers: run by hand (`--shard I/N`, then `--finish`),
/// and as a real Slurm job array (`slurm sweep --submit`), including a task cancelled mid-run and resubmitted.
/// The Slurm tests need `scripts/slurm-local.sh` (CI runs it) and are skipped, saying so, without a scheduler.
/// </summary>
public class ShardedSweepTests
{
    private static readonly string[] Small = ["--layers", "0-2"];
    private static readonly string[] Quick = [.. Small, "--steps", "5"];

    private static Dictionary<(string, int), SweepCell> OneProcess(params string[] extra)
    {
        var run = Fixtures.TempDir();
        var (exit, _, err) = TinySweepModel.Sweep(run, [.. Quick, .. extra]);
        Assert.That(exit, Is.EqualTo(0), err);
        return SweepCells.Read(run);
    }

    [Test]
    public void ShardsRunByHandThenFinishedEqualOneProcess()
    {
        var run = Fixtures.TempDir();
        for (int i = 0; i < 3; i++)
        {
            var (exit, stdout, err) = TinySweepModel.Sweep(run, [.. Quick, "--shard", $"{i}/3"]);
            Assert.That(exit, Is.EqualTo(0), err);
            Assert.That(stdout, Does.Contain($"shard {i}/3 is done"));
        }
        Assert.That(Directory.GetFiles(Path.Combine(run, SweepShard.Folder)), Has.Length.EqualTo(3));
        var (e, _, er) = TinySweepModel.Sweep(run, [.. Quick, "--finish"]);
        Assert.That(e, Is.EqualTo(0), er);
        Assert.That(Directory.GetFiles(Path.Combine(run, SweepShard.Folder)), Is.Empty, "merged into results.jsonl");
        Assert.That(File.ReadAllLines(Path.Combine(run, "results.jsonl")), Has.Length.EqualTo(36));
        SweepCells.AssertSameNumbers(SweepCells.Read(run), OneProcess());
    }

    [Test]
    public void FinishRefusesMissingCellsAndShardsKeepTheirOwn()
    {
        var run = Fixtures.TempDir();
        Assert.That(TinySweepModel.Sweep(run, [.. Quick, "--shard", "1/3"]).Exit, Is.EqualTo(0));
        var (exit, _, err) = TinySweepModel.Sweep(run, [.. Quick, "--finish"]);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("cells are missing"));
        // Run again, the shard finds its cells done; --shard with --restart is refused.
        var (_, stdout, _) = TinySweepModel.Sweep(run, [.. Quick, "--shard", "1/3"]);
        Assert.That(stdout, Does.Contain("to go in shard 1/3").And.Contain(", 0 to go"));
        Assert.That(TinySweepModel.Sweep(run, [.. Quick, "--shard", "0/3", "--restart"]).Err, Does.Contain("--restart clears the whole run folder"));
    }

    [Test]
    public void ThePartitionIsDeterministicBalancedAndCoversEveryCell()
    {
        double[] costs = [.. Enumerable.Repeat(100.0, 12), .. Enumerable.Repeat(1.0, 24)];
        var owner = SweepShard.Partition(costs, 5);
        Assert.That(owner, Is.EqualTo(SweepShard.Partition(costs, 5)));
        var loads = Enumerable.Range(0, 5).Select(s => owner.Select((o, i) => o == s ? costs[i] : 0).Sum()).ToArray();
        Assert.That(loads.Max() - loads.Min(), Is.LessThanOrEqualTo(100), "no shard more than one big cell ahead");
        Assert.That(() => SweepShard.Parse("3/3", "--shard"), Throws.ArgumentException.With.Message.Contains("does not exist"));
        Assert.That(SweepShard.Parse("2/3", "--shard"), Is.EqualTo(new SweepShard(2, 3)));
    }

    [Test]
    public void AShardAndAWholeFolderWriterNeverShareTheFolder()
    {
        var dir = Fixtures.TempDir();
        using (RunFolder.Open(dir, "--out", "sweep --shard 0/2", new SweepShard(0, 2)))
        {
            using (RunFolder.Open(dir, "--out", "sweep --shard 1/2", new SweepShard(1, 2))) { }
            Assert.That(() => RunFolder.Open(dir, "--out", "sweep"), Throws.InstanceOf<IOException>().With.Message.Contains("sweep --shard 0/2"));
        }
        using (RunFolder.Open(dir, "--out", "sweep"))
            Assert.That(() => RunFolder.Open(dir, "--out", "sweep --shard 0/2", new SweepShard(0, 2)), Throws.InstanceOf<IOException>());
    }

    // ---- a real scheduler ----

    private static void RequireSlurm()
    {
        try
        {
            var (code, _) = Shell("sinfo", "-h");
            if (code != 0) Assert.Ignore("no Slurm: sinfo fails (start one with `bash scripts/slurm-local.sh`)");
        }
        catch (System.ComponentModel.Win32Exception) { Assert.Ignore("no Slurm: sinfo is not on PATH (start one with `bash scripts/slurm-local.sh`)"); }
    }

    private static (int Code, string Out) Shell(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o);
    }

    /// <summary>Waits until none of the jobs is queued or running.</summary>
    private static void WaitFor(params string[] jobs)
    {
        var clock = Stopwatch.StartNew();
        while (Shell("squeue", "-h", "-j", string.Join(',', jobs)).Out.Trim().Length > 0)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(5)) Assert.Fail($"Slurm jobs {string.Join(',', jobs)} still running after 5 minutes");
            Thread.Sleep(500);
        }
    }

    private static string[] SlurmSweep(string run, params string[] steps) =>
        ["slurm", "sweep", "--model", TinySweepModel.Dir, "--out", run, "--prompts", "4", "--clean-prompts", "4", "--eval-prompts", "4", "--device", "cpu", .. Small, "--array", "3", "--cpus-per-task", "1", .. steps];

    [Test]
    public void ASlurmArrayAndItsFinishingJobEqualOneProcess()
    {
        RequireSlurm();
        var run = Fixtures.TempDir();
        var (exit, stdout, err) = NativetvProcess.Run(SlurmSweep(run, "--steps", "5", "--submit"));
        Assert.That(exit, Is.EqualTo(0), err);
        var ids = System.Text.RegularExpressions.Regex.Match(stdout, @"array job (\S+) and finishing job (\S+)");
        Assert.That(ids.Success, stdout);
        WaitFor(ids.Groups[1].Value, ids.Groups[2].Value);
        Assert.That(File.Exists(Path.Combine(run, "report.html")), string.Join("\n", Directory.GetFiles(Path.Combine(run, "slurm"), "*.out").Select(File.ReadAllText)));
        SweepCells.AssertSameNumbers(SweepCells.Read(run), OneProcess());
    }

    [Test]
    public void ACancelledArrayTaskResubmittedFinishesItsCellsWithoutDuplicates()
    {
        RequireSlurm();
        var run = Fixtures.TempDir();
        // Long enough cleaning that task 1 is still running when it is cancelled.
        string[] slow = ["--steps", "150", "--patience", "1000"];
        Assert.That(NativetvProcess.Run(SlurmSweep(run, slow)).Exit, Is.EqualTo(0));
        string script = Path.Combine(run, "slurm", "sweep.sbatch"), log = Path.Combine(run, SweepShard.Folder, "results.1-of-3.jsonl");
        var (code, job) = Shell("sbatch", "--parsable", script);
        Assert.That(code, Is.EqualTo(0), job);
        job = job.Trim();
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(log) && File.ReadAllLines(log).Length >= 1) && clock.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(100);
        Assert.That(Shell("scancel", $"{job}_1").Code, Is.EqualTo(0));
        WaitFor(job);
        int before = File.ReadAllLines(log).Length;
        var (c2, again) = Shell("sbatch", "--parsable", "--array=1", script);
        Assert.That(c2, Is.EqualTo(0), again);
        WaitFor(again.Trim());
        var lines = File.ReadAllLines(log);
        Assert.That(lines.Length, Is.GreaterThanOrEqualTo(before));
        var (exit, _, err) = NativetvProcess.Run(["sweep", "--model", TinySweepModel.Dir, "--out", run, "--prompts", "4", "--clean-prompts", "4", "--eval-prompts", "4", "--device", "cpu", .. Small, .. slow, "--finish"]);
        Assert.That(exit, Is.EqualTo(0), err);
        var cells = ResultsLog.Read(Path.Combine(run, "results.jsonl"));
        Assert.That(cells.Select(c => (c.Task, c.Layer)), Is.Unique);
        Assert.That(cells, Has.Count.EqualTo(36));
    }
}
