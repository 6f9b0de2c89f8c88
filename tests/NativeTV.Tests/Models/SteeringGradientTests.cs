using NativeTV.Transformer.Checkpoints;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;
using NativeTV.Tests.Ops;

namespace NativeTV.Tests.Models;

/// <summary>
/// The whole-model steering gradient on padded batches at L = 0, a middle layer and L = n_layers:
/// against directional finite differences of the forward loss, and padded batches against the
/// same rows run alone. On the cpu backend: these need dozens of passes, too slow on ILGPU's
/// simulator, whose gradients are checked against the reference checkpoints and against cpu instead.
/// </summary>
public class SteeringGradientTests
{
    private IBackend be = null!;
    [OneTimeSetUp] public void Setup() => be = BackendFactory.Create("cpu");
    [OneTimeTearDown] public void TearDown() => be.Dispose();

    private static readonly int[] LongRow = [1, 5, 9, 13, 2, 40, 33, 7, 11, 3, 21, 30, 8, 6, 19, 25, 4, 17, 12, 10];

    public static IEnumerable<TestCaseData> Models()
    {
        yield return new TestCaseData("gemma", 20, 14).SetName("{m}(gemma)");
        yield return new TestCaseData("phi3-short", 12, 9).SetName("{m}(phi3 longrope, short regime)");
        yield return new TestCaseData("phi3-long", 20, 18).SetName("{m}(phi3 longrope, long regime)");
    }

    public static ModelConfig Config(string name) => name == "gemma" ? TinyModels.Gemma() : TinyModels.Phi3LongRope();

    /// <summary>Two rows, left- or right-padded; a target at each row's last three positions but one; steered at two positions per row.</summary>
    public static (TokenBatch, LossTarget[], int[]) Problem(int lenA, int lenB, bool leftPad)
    {
        int[] a = LongRow[..lenA], b = LongRow[..lenB].Reverse().ToArray();
        var tok = TokenBatch.FromSequences([a, b], 0, leftPad);
        int T = tok.SeqLen;
        int Start(int row, int len) => leftPad ? T - len : 0;
        var targets = new List<LossTarget>();
        var steerRows = new List<int>();
        foreach (var (row, len) in new[] { (0, lenA), (1, lenB) })
        {
            int s = Start(row, len);
            for (int t = len - 4; t < len - 1; t++) targets.Add(new LossTarget(tok.Row(row, s + t), tok.Ids[tok.Row(row, s + t + 1)], 0.25f));
            steerRows.Add(tok.Row(row, s + 2));
            steerRows.Add(tok.Row(row, s + len - 3));
        }
        return (tok, targets.ToArray(), steerRows.ToArray());
    }

    [TestCaseSource(nameof(Models))]
    public void GradientMatchesFiniteDifferences(string model, int lenA, int lenB)
    {
        var cfg = Config(model);
        using var m = TransformerModel.Load(TinyModels.Write(cfg), be);
        var (tok, targets, rows) = Problem(lenA, lenB, leftPad: true);
        var rng = new Random(7);
        foreach (int layer in new[] { 0, cfg.Layers / 2, cfg.Layers })
        {
            var v = TestData.Normal(rng, cfg.HiddenSize);
            HookAdd Steer(float[] vec) => new(new(HookPoint.ResidPre, layer), rows, vec, 0.7f);
            var g = m.SteerGrad(tok, Steer(v), targets).Gradient;
            for (int dir = 0; dir < 3; dir++)
            {
                var u = TestData.Normal(rng, cfg.HiddenSize);
                const float h = 1e-2f;
                double Loss(float sign) => m.SteerGrad(tok, Steer(v.Select((x, i) => x + sign * h * u[i]).ToArray()), targets).Loss;
                double numeric = (Loss(1) - Loss(-1)) / (2 * h);
                double analytic = g.Select((x, i) => (double)x * u[i]).Sum();
                Assert.That(analytic, Is.EqualTo(numeric).Within(2e-3 * (Math.Abs(numeric) + 0.1)), $"layer {layer}, direction {dir}");
            }
        }
    }

    [TestCaseSource(nameof(Models))]
    public void PaddedBatchGradientIsTheSumOfRowsAlone(string model, int lenA, int lenB)
    {
        var cfg = Config(model);
        using var m = TransformerModel.Load(TinyModels.Write(cfg), be);
        var v = TestData.Normal(new Random(3), cfg.HiddenSize);
        foreach (bool leftPad in new[] { true, false })
        {
            var (tok, targets, rows) = Problem(lenA, lenB, leftPad);
            var batch = m.SteerGrad(tok, new HookAdd(new(HookPoint.ResidPre, 1), rows, v), targets);
            var sum = new double[cfg.HiddenSize];
            double loss = 0;
            for (int r = 0; r < 2; r++)
            {
                // The same row alone: keep its own tokens, targets and steered positions, shifted to start at 0.
                int start = Enumerable.Range(0, tok.SeqLen).First(t => tok.Mask[tok.Row(r, t)] == 1);
                int len = Enumerable.Range(0, tok.SeqLen).Count(t => tok.Mask[tok.Row(r, t)] == 1);
                var alone = TokenBatch.Single(Enumerable.Range(start, len).Select(t => tok.Ids[tok.Row(r, t)]).ToArray());
                int Shift(int row) => row - tok.Row(r, start);
                var rt = targets.Where(t => t.Row / tok.SeqLen == r).Select(t => t with { Row = Shift(t.Row) }).ToArray();
                var rs = rows.Where(x => x / tok.SeqLen == r).Select(Shift).ToArray();
                var one = m.SteerGrad(alone, new HookAdd(new(HookPoint.ResidPre, 1), rs, v), rt);
                loss += one.Loss;
                for (int i = 0; i < sum.Length; i++) sum[i] += one.Gradient[i];
            }
            Assert.That(batch.Loss, Is.EqualTo(loss).Within(1e-5).Percent, $"loss, leftPad {leftPad}");
            Assert.That(TestData.RelMaxError(batch.Gradient, sum), Is.LessThan(1e-4), $"gradient, leftPad {leftPad}");
        }
    }
}
