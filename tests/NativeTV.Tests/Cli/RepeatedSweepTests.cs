using System.Globalization;
using System.Text.Json;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.Cli;

/// <summary>
/// `sweep --repeats N` on the tiny model, two tasks: each other seed's folder is exactly an independent `sweep --seed S`,
/// repeats.csv is the spread recomputed from the seeds' own results, an interrupted run resumes every seed, and shards
/// with `--finish` give the one-process numbers.
/// </summary>
public class RepeatedSweepTests
{
    private static readonly Lazy<string> TwoTasks = new(() =>
    {
        var dir = Fixtures.TempDir();
        foreach (var t in new[] { "antonym", "copy" }) File.Copy(Path.Combine(TinySweepModel.Dir, "tasks", $"{t}.json"), Path.Combine(dir, $"{t}.json"));
        return dir;
    });

    private static string[] Quick => ["--tasks", TwoTasks.Value, "--layers", "0,1", "--steps", "5"];

    /// <summary>One repeated sweep over seeds 3 and 4 that the tests only read.</summary>
    private static readonly Lazy<string> Repeated = new(() => Run(Fixtures.TempDir(), "--seed", "3", "--repeats", "2"));

    private static string Run(string run, params string[] extra)
    {
        var (exit, _, err) = TinySweepModel.Sweep(run, [.. Quick, .. extra]);
        Assert.That(exit, Is.EqualTo(0), err);
        return run;
    }

    private static Dictionary<string, string> Settings(string run) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(run, "settings.json")))!;

    /// <summary>What writing with G6 loses (and an absolute floor for values near 0).</summary>
    private static double Tolerance(double v) => Math.Max(1e-9, Math.Abs(v) * 1e-5);

    /// <summary>The same rows, numbers equal to the precision written (G6).</summary>
    private static void AssertSameCsv(string got, string want)
    {
        var (g, w) = (File.ReadAllLines(got), File.ReadAllLines(want));
        Assert.That(g, Has.Length.EqualTo(w.Length));
        for (int i = 0; i < w.Length; i++)
            foreach (var (a, b) in g[i].Split(',').Zip(w[i].Split(',')))
                if (double.TryParse(b, CultureInfo.InvariantCulture, out double y) && double.TryParse(a, CultureInfo.InvariantCulture, out double x))
                    Assert.That(x, Is.EqualTo(y).Within(Tolerance(y)), w[i]);
                else Assert.That(a, Is.EqualTo(b), w[i]);
    }

    [Test]
    public void EachOtherSeedIsAnIndependentSweepAndRepeatsCsvIsTheirSpread()
    {
        string run = Repeated.Value, seed4 = Path.Combine(run, Repeats.SeedFolder(4));
        var alone = Run(Fixtures.TempDir(), "--seed", "4");
        SweepCells.AssertSameNumbers(SweepCells.Read(seed4), SweepCells.Read(alone));
        Assert.That(Settings(seed4), Is.EquivalentTo(Settings(alone)), "the seed folder resumes as `sweep --seed 4` would");
        Assert.That(Settings(run)["repeats"], Is.EqualTo("2"));
        Assert.That(File.Exists(Path.Combine(alone, Repeats.FileName)) || Directory.Exists(Path.Combine(alone, Repeats.Folder)), Is.False, "one seed is a plain sweep");
        Assert.That(Claims.Read(alone)!.All(c => c.Seeds is null && c.AcrossSeeds is null));
        Assert.That(Settings(run)["seed"], Is.EqualTo("3"));
        foreach (var f in new[] { "results.csv", Claims.FileName, "figures/loss_by_layer.copy.png", "cleaned/copy.L1.json" })
            Assert.That(File.Exists(Path.Combine(seed4, f)), f);
        foreach (var f in new[] { "figures/repeats.mean.png", "figures/repeats.copy.svg" })
            Assert.That(File.Exists(Path.Combine(run, f)), f);

        // Every row recomputed from the two seeds' logs (the independent run's, for seed 4).
        var seeds = new[] { SweepCells.Read(run), SweepCells.Read(alone) };
        var lines = File.ReadAllLines(Path.Combine(run, Repeats.FileName));
        Assert.That(lines[0], Is.EqualTo("task,layer,method,loss_mean,loss_sd,loss_min,loss_max,accuracy_mean,accuracy_sd,accuracy_min,accuracy_max,seeds"));
        Assert.That(lines.Length - 1, Is.EqualTo(seeds[0].Values.Sum(c => c.Methods.Count)));
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            var key = (f[0], int.Parse(f[1], CultureInfo.InvariantCulture));
            double[] loss = seeds.Select(s => s[key].Methods[f[2]].Loss).ToArray(), acc = seeds.Select(s => s[key].Methods[f[2]].Accuracy).ToArray();
            double[] want = [loss.Average(), Math.Abs(loss[0] - loss[1]) / Math.Sqrt(2), loss.Min(), loss.Max(), acc.Average(), Math.Abs(acc[0] - acc[1]) / Math.Sqrt(2), acc.Min(), acc.Max()];
            for (int i = 0; i < want.Length; i++)
                Assert.That(double.Parse(f[3 + i], CultureInfo.InvariantCulture), Is.EqualTo(want[i]).Within(Tolerance(want[i])), $"{line}: column {3 + i}");
            Assert.That(f[11], Is.EqualTo("2"));
        }

        // Each claim of seed 3 carries both seeds' measurements, seed 4's as the independent run measured it.
        var claims = Claims.Read(run)!;
        var aloneClaims = Claims.Read(alone)!.ToDictionary(c => RepeatClaims.Key(c.Name));
        Assert.That(claims, Is.Not.Empty);
        foreach (var c in claims)
        {
            Assert.That(c.Seeds!.Select(s => s.Seed), Is.EqualTo(new[] { 3, 4 }));
            Assert.That(c.Seeds![0].Value, Is.EqualTo(c.Value));
            if (aloneClaims.TryGetValue(RepeatClaims.Key(c.Name), out var other)) Assert.That(c.Seeds![1].Value, Is.EqualTo(other.Value).Within(1e-9), c.Name);
            else Assert.That(c.Seeds![1].Verdict, Is.EqualTo("not measured"), c.Name);
            Assert.That(c.AcrossSeeds, Does.StartWith($"holds in {c.Seeds!.Count(s => s.Verdict == "holds")} of 2 prompt seeds"));
        }
    }

    [Test]
    public void AnInterruptedRepeatedSweepResumesEverySeedAndKeepsItsRepeats()
    {
        var run = Run(Fixtures.TempDir(), "--repeats", "2");
        var before = Fixtures.TempDir() + "/repeats.csv";
        File.Copy(Path.Combine(run, Repeats.FileName), before);
        foreach (var log in new[] { Path.Combine(run, "results.jsonl"), Path.Combine(run, Repeats.SeedFolder(1), "results.jsonl") })
            File.WriteAllLines(log, File.ReadAllLines(log)[..^1]);
        var (exit, stdout, err) = TinySweepModel.Sweep(run, [.. Quick, "--repeats", "2"]);
        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain("6 cells done, 2 to go over 2 prompt seeds"));
        Assert.That(stdout, Does.Contain("mean ± sd over 2 prompt seeds").And.Contain("over prompt seeds"), "the spread table and the claims' counts");
        AssertSameCsv(Path.Combine(run, Repeats.FileName), before);
        foreach (var dir in new[] { run, Path.Combine(run, Repeats.SeedFolder(1)) })
        {
            var cells = ResultsLog.Read(Path.Combine(dir, "results.jsonl")).Select(c => (c.Task, c.Layer)).ToList();
            Assert.That(cells, Is.Unique);
            Assert.That(cells, Has.Count.EqualTo(4));
        }

        (exit, _, err) = TinySweepModel.Sweep(run, [.. Quick, "--repeats", "3"]);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("other settings").And.Contain("repeats 2 -> 3"));
        Assert.That(TinySweepModel.Sweep(run, [.. Quick, "--repeats", "0"]).Err, Does.Contain("--repeats"));
    }

    [Test]
    public void ShardsOfARepeatedSweepThenFinishEqualOneProcess()
    {
        var run = Fixtures.TempDir();
        for (int i = 0; i < 2; i++)
        {
            var (exit, stdout, err) = TinySweepModel.Sweep(run, [.. Quick, "--seed", "3", "--repeats", "2", "--shard", $"{i}/2"]);
            Assert.That(exit, Is.EqualTo(0), err);
            Assert.That(stdout, Does.Contain($"shard {i}/2 is done"));
            Assert.That(Directory.GetFiles(Path.Combine(run, Repeats.SeedFolder(4), SweepShard.Folder), "*.jsonl"), Has.Length.EqualTo(i + 1), "each shard does its share of every seed");
        }
        var (e, _, er) = TinySweepModel.Sweep(run, [.. Quick, "--seed", "3", "--repeats", "2", "--finish"]);
        Assert.That(e, Is.EqualTo(0), er);
        SweepCells.AssertSameNumbers(SweepCells.Read(run), SweepCells.Read(Repeated.Value));
        SweepCells.AssertSameNumbers(SweepCells.Read(Path.Combine(run, Repeats.SeedFolder(4))), SweepCells.Read(Path.Combine(Repeated.Value, Repeats.SeedFolder(4))));
        AssertSameCsv(Path.Combine(run, Repeats.FileName), Path.Combine(Repeated.Value, Repeats.FileName));
    }

    [Test]
    public void FinishNamesTheSeedOfAMissingCell()
    {
        var run = Fixtures.TempDir();
        var (exit, _, err) = TinySweepModel.Sweep(run, [.. Quick, "--repeats", "2", "--finish"]);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("8 cells are missing").And.Contain("seed 1: "));
    }
}
