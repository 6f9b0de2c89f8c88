using NativeTV.Transformer.Checkpoints;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;
using NativeTV.TaskVectors.Steering;
using NativeTV.Tests.Ops;

namespace NativeTV.Tests.Models;

/// <summary>
/// Steering each row by its own vector (<see cref="HookAdd.VectorOf"/>, batched cleaning) on every test backend:
/// each vector's gradient against the single-vector path on the rows that vector steers, and stacked steering
/// problems of different lengths and paddings (<see cref="SteeringBatch"/>) against each run alone. On cpu also
/// against directional finite differences, with two vectors mixed within one prompt (too many passes for ILGPU's simulator).
/// </summary>
[TestFixtureSource(typeof(TestBackends), nameof(TestBackends.Names))]
public class PerRowSteeringTests(string device) : BackendFixture(device)
{
    private static readonly ModelConfig Cfg = TinyModels.Gemma();
    private TransformerModel m = null!;

    [OneTimeSetUp] public void LoadModel() => m = TransformerModel.Load(TinyModels.Write(Cfg), be);
    [OneTimeTearDown] public void DisposeModel() => m.Dispose();

    private static HookAdd Steer(int layer, int[] rows, int[] vectorOf, float[] vectors) =>
        new(new(HookPoint.ResidPre, layer), rows, vectors, 0.7f) { VectorOf = vectorOf };

    [Test]
    public void EachVectorsGradientIsTheSingleVectorGradientOfItsRows()
    {
        int d = Cfg.HiddenSize, layer = 2;
        var (tok, targets, rows) = SteeringGradientTests.Problem(11, 8, leftPad: true);
        var v = TestData.Normal(new Random(5), 3 * d);
        // Prompt 0's rows get vector 2, prompt 1's vector 0; vector 1 steers nothing.
        int[] vectorOf = rows.Select(r => r / tok.SeqLen == 0 ? 2 : 0).ToArray();
        var batched = m.SteerGrad(tok, Steer(layer, rows, vectorOf, v), targets);

        Assert.That(batched.Gradient.AsSpan(d, d).ToArray(), Is.All.EqualTo(0f), "a vector that steers no row has no gradient");
        double loss = 0;
        foreach (var (prompt, k) in new[] { (0, 2), (1, 0) })
        {
            int[] own = rows.Where(r => r / tok.SeqLen == prompt).ToArray();
            var alone = m.SteerGrad(tok, new HookAdd(new(HookPoint.ResidPre, layer), own, v[(k * d)..((k + 1) * d)], 0.7f),
                targets.Where(t => t.Row / tok.SeqLen == prompt).ToArray());
            loss += alone.Loss;
            Assert.That(TestData.RelMaxError(batched.Gradient.AsSpan(k * d, d), alone.Gradient), Is.LessThan(1e-5), $"vector {k}");
        }
        Assert.That(batched.Loss, Is.EqualTo(loss).Within(1e-6).Percent);
    }

    [Test]
    public void StackedProblemsGiveEachProblemsLossAndGradientAlone()
    {
        int d = Cfg.HiddenSize;
        var (tokA, targetsA, rowsA) = SteeringGradientTests.Problem(11, 8, leftPad: true);
        var (tokB, targetsB, rowsB) = SteeringGradientTests.Problem(6, 14, leftPad: false);
        SteeringProblem[] ps = [new(tokA, 2, rowsA, targetsA), new(tokB, 2, rowsB, targetsB)];
        var rng = new Random(8);
        var vs = ps.Select(_ => TestData.Normal(rng, d)).ToArray();
        var (loss, grad) = SteeringBatch.Of(ps).LossAndGradients(m, vs);
        for (int p = 0; p < ps.Length; p++)
        {
            var alone = m.SteerGrad(ps[p].Tokens, new HookAdd(new(HookPoint.ResidPre, 2), ps[p].Rows, vs[p]), ps[p].Targets);
            Assert.That(loss[p], Is.EqualTo(alone.Loss).Within(1e-4).Percent, $"problem {p} loss");
            Assert.That(TestData.RelMaxError(grad[p], alone.Gradient), Is.LessThan(1e-4), $"problem {p} gradient");
        }
    }

    [Test]
    public void PerRowGradientMatchesFiniteDifferences()
    {
        if (device != "cpu") Assert.Ignore("dozens of passes: cpu only (the other backends are checked against the single-vector path)");
        int d = Cfg.HiddenSize, layer = 1;
        var (tok, targets, rows) = SteeringGradientTests.Problem(12, 9, leftPad: false);
        // Two vectors mixed within each prompt: its first steered position gets vector 0, its second vector 1.
        int[] vectorOf = rows.Select((_, i) => i % 2).ToArray();
        var rng = new Random(11);
        var v = TestData.Normal(rng, 2 * d);
        var g = m.SteerGrad(tok, Steer(layer, rows, vectorOf, v), targets).Gradient;
        for (int dir = 0; dir < 3; dir++)
        {
            var u = TestData.Normal(rng, 2 * d);
            const float h = 1e-2f;
            double Loss(float sign) => m.SteerGrad(tok, Steer(layer, rows, vectorOf, v.Select((x, i) => x + sign * h * u[i]).ToArray()), targets).Loss;
            double numeric = (Loss(1) - Loss(-1)) / (2 * h);
            double analytic = g.Select((x, i) => (double)x * u[i]).Sum();
            Assert.That(analytic, Is.EqualTo(numeric).Within(2e-3 * (Math.Abs(numeric) + 0.1)), $"direction {dir}");
        }
    }

    [Test]
    public void BadVectorIndicesAreRejected()
    {
        var (tok, targets, rows) = SteeringGradientTests.Problem(6, 6, leftPad: false);
        var v = new float[2 * Cfg.HiddenSize];
        Assert.That(() => m.SteerGrad(tok, Steer(1, rows, rows.Select(_ => 2).ToArray(), v), targets), Throws.ArgumentException.With.Message.Contains("outside 0..1"));
        Assert.That(() => m.SteerGrad(tok, Steer(1, rows, [0], v), targets), Throws.ArgumentException.With.Message.Contains("vector indices"));
        Assert.That(() => m.SteerGrad(tok, Steer(1, rows, rows.Select(_ => 0).ToArray(), new float[Cfg.HiddenSize + 1]), targets), Throws.ArgumentException.With.Message.Contains("whole number"));
    }
}
