using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.Cli;

/// <summary>A run folder's results.jsonl by (task, layer), and the comparison of two runs that should agree.</summary>
public static class SweepCells
{
    public static Dictionary<(string, int), SweepCell> Read(string run) =>
        ResultsLog.Read(Path.Combine(run, "results.jsonl")).ToDictionary(c => (c.Task, c.Layer));

    /// <summary>The same cells and methods, equal accuracy and L0, losses equal up to the order of float sums.</summary>
    public static void AssertSameNumbers(Dictionary<(string, int), SweepCell> got, Dictionary<(string, int), SweepCell> want)
    {
        Assert.That(got.Keys, Is.EquivalentTo(want.Keys));
        foreach (var (key, c) in want)
            foreach (var (m, s) in c.Methods)
            {
                // A shard cleans its part of a layer's cells in a smaller batch than one process does (observed 2e-8 relative).
                Assert.That(got[key].Methods[m].Loss, Is.EqualTo(s.Loss).Within(1e-4).Percent, $"{key} {m}");
                Assert.That(got[key].Methods[m].Accuracy, Is.EqualTo(s.Accuracy), $"{key} {m}");
                Assert.That(got[key].Methods[m].L0, Is.EqualTo(s.L0), $"{key} {m}");
            }
    }
}
