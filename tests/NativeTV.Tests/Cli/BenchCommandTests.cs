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
        yield return new TestCaseData((string[])["pipeline", "--device", "cpu", "--layers", "2", "--d-model", "256", "--vocab", "64", "--dtype", "f32", "--reps", "1", "--batch", "2", "--tokens", "4", "--layer", "1", "--d-sae", "64"],
            (string[])["cleaning step (2 x 4, backward to resid_pre[1], d_sae 64)", "1000 cleaning steps", "forward (2 x 4)", "forward TFLOP/s", "forward / GEMM rate"]).SetName("pipeline");
        yield return new TestCaseData((string[])["clean-batch", "--device", "cpu", "--steps", "2", "--reps", "1"],
            (string[])["one at a time (12 passes per step), ms per step", "batched (1 pass per step), ms per step", "speed-up (median of each)", "max relative vector difference"]).SetName("clean-batch");
    }

    [TestCaseSource(nameof(Benches))]
    public void PrintsItsMeasures(string[] args, string[] measures)
    {
        var (exit, stdout, err) = NativetvProcess.Run(["bench", .. args]);
        Assert.That(exit, Is.Zero, err);
        foreach (var m in measures) Assert.That(ConsoleTable.Value(stdout, m), Does.Match(@"^\d[\d.,]*"), m);
        Assert.That(BlasCommandTests.BlasLine(stdout).Success, "the BLAS line in:\n" + stdout);
    }

    /// <summary>bench gemm through the same MatMul as on cuda: its last line carries the rate and, with --check, an error at float32 rounding.</summary>
    [TestCase("cpu", "f32"), TestCase("ilgpu-cpu", "bf16"), TestCase("ilgpu-cpu", "f16")]
    public void GemmPrintsItsRateAndCheckedError(string device, string dtype)
    {
        var (exit, stdout, err) = NativetvProcess.Run("bench", "gemm", "--device", device, "--m", "33", "--n", "70", "--k", "47", "--dtype", dtype, "--check", "--reps", "1");
        Assert.That(exit, Is.Zero, err);
        var m = System.Text.RegularExpressions.Regex.Match(stdout.TrimEnd().Split('\n')[^1], $@"^gemm 33x70x47 {dtype}: [\d.E+-]+ TFLOP/s, max rel err (\S+)$");
        Assert.That(m.Success, stdout);
        Assert.That(double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Is.LessThan(1e-5));
    }

    /// <summary>bench gemm's dtype picks the kernel: a --precision that contradicts it is one error line, not another kernel.</summary>
    [Test]
    public void GemmRefusesAContradictingPrecision()
    {
        var (exit, _, err) = NativetvProcess.Run("bench", "gemm", "--device", "ilgpu-cpu", "--precision", "bf16", "--dtype", "f32", "--m", "4", "--n", "4", "--k", "4", "--reps", "1");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err.Trim(), Does.StartWith("error: --precision bf16 contradicts --dtype f32 on ilgpu-cpu").And.Not.Contain("\n"));
    }

    /// <summary>Where libnvToolsExt is absent, --nvtx says so in one note and the command runs as without it.</summary>
    [Test]
    public void NvtxWithoutItsLibraryIsOneNote()
    {
        var (exit, stdout, err) = NativetvProcess.Run("bench", "gemm", "--nvtx", "--device", "cpu", "--m", "4", "--n", "4", "--k", "4", "--reps", "1");
        Assert.That(exit, Is.Zero, err);
        Assume.That(err, Is.Not.Empty, "libnvToolsExt is installed here");
        Assert.That(err.Trim(), Does.StartWith("note: --nvtx records nothing: NVTX not found: none of libnvToolsExt.so.1").And.Not.Contain("\n"));
        Assert.That(stdout, Does.Contain("gemm 4x4x4 bf16:"));
    }
}
