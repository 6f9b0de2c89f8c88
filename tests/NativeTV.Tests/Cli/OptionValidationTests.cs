namespace NativeTV.Tests.Cli;

/// <summary>
/// Bad option values stop a command before any work: exit code 1, one `error:` line naming the option,
/// and nothing written where the output would go (OUT below).
/// </summary>
public class OptionValidationTests
{
    private static readonly string[] Sweep = ["sweep", "--device", "cpu", "--out", "OUT"];

    private static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData Case(string message, params string[] args) => new TestCaseData(args, message).SetName($"{args[0]}: {message}");
        yield return Case("--steps must be at least 1, not 0", "organism", "train", "--out", "OUT", "--steps", "0");
        yield return Case("--lr must be above 0, not 0", "organism", "train", "--out", "OUT", "--lr", "0");
        yield return Case("--lr must be above 0, not NaN", "organism", "train", "--out", "OUT", "--lr", "NaN");
        yield return Case("--steps must be at least 1, not 0", [.. Sweep, "--steps", "0"]);
        yield return Case("--l1 must be at least 0, not -1", [.. Sweep, "--l1", "-1"]);
        yield return Case("--l1 must be at least 0, not -1", [.. Sweep, "--l1", "0.1,-1"]);
        yield return Case("--l1 takes one value here, not a list", "detectors", "--layer", "1", "--run", "OUT", "--l1", "0.1,0.2");
        yield return Case("--lr must be above 0, not -Infinity", [.. Sweep, "--lr", "-Infinity"]);
        yield return Case("--eval-prompts must be at least 1, not 0", [.. Sweep, "--eval-prompts", "0"]);
        yield return Case("--clean-prompts must be at least 1, not 0", [.. Sweep, "--clean-prompts", "0"]);
        yield return Case("--prompts must be at least 1, not 0", [.. Sweep, "--prompts", "0"]);
        yield return Case("--n-first must be at least 1, not 0", [.. Sweep, "--n-first", "0"]);
        yield return Case("--shots must be at least 0, not -2", [.. Sweep, "--shots", "-2"]);
        yield return Case("--k must be at least 1, not 0", [.. Sweep, "--k", "0"]);
        yield return Case("--pass-memory must be above 0, not 0", [.. Sweep, "--pass-memory", "0"]);
        yield return Case("--scale must be a finite number, not Infinity", "detectors", "--layer", "1", "--run", "OUT", "--scale", "Infinity");
        yield return Case("--ids: 0-2147483646 makes the list longer than", "trace", "--out", "OUT", "--ids", "0-2147483646");
        yield return Case("--ids: 5-2 is reversed", "trace", "--out", "OUT", "--ids", "5-2");
        yield return Case("--features: no file nosuch.json", "clean", "--task", "copy", "--layer", "2", "--out", "OUT", "--features", "nosuch.json");
    }

    [TestCaseSource(nameof(Cases))]
    public void StopsBeforeAnyWork(string[] args, string message)
    {
        string outPath = Path.Combine(Fixtures.TempDir(), "out");
        var (exit, _, err) = NativetvProcess.Run(args.Select(a => a == "OUT" ? outPath : a).ToArray());
        AssertOneError(exit, err, message);
        Assert.That(Path.Exists(outPath), Is.False, "nothing written");
    }

    [Test]
    public void SweepChecksKAgainstTheSaeBeforeAnyCell()
    {
        string run = Path.Combine(Fixtures.TempDir(), "run");
        var (exit, _, err) = NativetvProcess.Run([.. Sweep.Select(a => a == "OUT" ? run : a), "--layers", "0-1", "--k", "100000"]);
        AssertOneError(exit, err, "--k must be at most the d_sae of ");
        Assert.That(File.Exists(Path.Combine(run, "results.jsonl")), Is.False, "no cell ran");
    }

    private static void AssertOneError(int exit, string err, string message)
    {
        Assert.That(exit, Is.EqualTo(1), err);
        Assert.That(err.TrimEnd().Split('\n'), Has.Length.EqualTo(1), err);
        Assert.That(err, Does.StartWith("error: " + message));
    }
}
