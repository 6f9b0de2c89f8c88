namespace NativeTV.Tests.Cli;

/// <summary>Every `nativetv bench` at the smallest sizes and one repetition: each prints its measures with numbers.</summary>
public class BenchCommandTests
{
    private static readonly string[] Shape = ["--device", "cpu", "--layers", "1", "--d-model", "256", "--vocab", "64", "--dtype", "f32", "--reps", "1"];

    private static IEnumerable<TestCaseData> Benches()
    {
        yield return new TestCaseData((string[])["forward", .. Shape, "--tokens", "8"],
            (string[])["forward time", "tokens/s", "forward GFLOP/s", "forward / GEMM rate"]).SetName("forward");
        yield return new TestCaseData((string[])["steer-grad", .. Shape, "--batch", "2", "--tokens", "4"],
            (string[])["forward (2 x 4 tokens)", "forward + backward to resid_pre[0]", "ratio (target <= 3)", "activation memory of forward + backward"]).SetName("steer-grad");
        yield return new TestCaseData((string[])["sae", "--device", "cpu", "--d-in", "16", "--d-sae", "32", "--k", "2", "--vectors", "4", "--tokens", "8", "--reps", "1"],
            (string[])["encode (8 tokens)", "encode GFLOP/s (its GEMM)", "ReLU SAE training step (8 vectors)", "gated SAE training step (8 vectors)", "gradient pursuit (4 vectors, k 2)"]).SetName("sae");
        yield return new TestCaseData((string[])["train", "--device", "cpu", "--batch", "1", "--reps", "1"],
            (string[])["step time", "tokens/s", "training GFLOP/s", "6000 steps (ORGANISM.md)"]).SetName("train");
    }

    [TestCaseSource(nameof(Benches))]
    public void PrintsItsMeasures(string[] args, string[] measures)
    {
        var (exit, stdout, err) = NativetvProcess.Run(["bench", .. args]);
        Assert.That(exit, Is.Zero, err);
        foreach (var m in measures) Assert.That(ConsoleTable.Value(stdout, m), Does.Match(@"^\d[\d.,]*"), m);
        Assert.That(BlasCommandTests.BlasLine(stdout).Success, "the BLAS line in:\n" + stdout);
    }
}
