using NativeTV.Kernels;
using NativeTV.Transformer.Model;
using NativeTV.TaskVectors.Steering;

namespace NativeTV.Tests.Models;

public class SteeringOptimizerTests
{
    [Test]
    public void AdamOnTheSteeringVectorClosesNinetyPercentOfTheLossGap()
    {
        var cfg = TinyModels.Gemma();
        using var be = BackendFactory.Create("cpu");
        // Weights large enough that the tied lm_head can make one token nearly certain (at std 0.08 the best reachable loss is ~1).
        using var m = TransformerModel.Load(TinyModels.Write(cfg, std: 0.3f), be);
        // A fixed answer the model does not predict, after two different contexts (one vector steers both, as a task vector does).
        var tok = TokenBatch.FromSequences([[2, 5, 9, 13, 7, 8, 30, 44], [2, 40, 3, 17, 60, 21, 6, 1]], 0, leftPad: true);
        var targets = new[] { new LossTarget(tok.Row(0, 6), 11, 0.5f), new LossTarget(tok.Row(1, 6), 11, 0.5f) };
        var problem = new SteeringProblem(tok, Layer: 1, Rows: [tok.Row(0, 6), tok.Row(1, 6)], targets);
        var theta = new float[cfg.HiddenSize];
        var log = SteeringOptimizer.Optimize(m, problem, new DirectVector(cfg.HiddenSize), theta, steps: 200, lr: 0.1f);
        double start = log[0].Loss, end = SteeringOptimizer.LossAndGradient(m, problem, new DirectVector(cfg.HiddenSize), theta).Loss;
        TestContext.Out.WriteLine($"loss {start:F3} -> {end:F4}");
        Assert.That(end, Is.LessThanOrEqualTo(0.1 * start));
    }

    [Test]
    public void ANonFiniteLossStopsWithAClearErrorInsteadOfReturningNaN()
    {
        var cfg = TinyModels.Gemma();
        using var be = BackendFactory.Create("cpu");
        using var m = TransformerModel.Load(TinyModels.Write(cfg), be);
        var tok = TokenBatch.FromSequences([[2, 5, 9, 13]], 0, leftPad: true);
        var problem = new SteeringProblem(tok, Layer: 1, Rows: [tok.Row(0, 2)], [new LossTarget(tok.Row(0, 2), 11, 1f)]);
        var theta = new float[cfg.HiddenSize];
        theta[3] = float.NaN;
        var steps = new List<StepRecord>();
        var e = Assert.Throws<OptimizationDivergedException>(() => SteeringOptimizer.Optimize(m, problem, new DirectVector(cfg.HiddenSize), theta, steps: 10, lr: 0.1f, steps.Add));
        Assert.That(e!.Message, Does.Contain("NaN at step 0"));
        Assert.That(steps, Is.Empty, "no step record holds a NaN");
    }

    [Test]
    public void ARunThatDivergesInABatchIsNamed()
    {
        var cfg = TinyModels.Gemma();
        using var be = BackendFactory.Create("cpu");
        using var m = TransformerModel.Load(TinyModels.Write(cfg), be);
        var tok = TokenBatch.FromSequences([[2, 5, 9, 13]], 0, leftPad: true);
        var problem = new SteeringProblem(tok, Layer: 1, Rows: [tok.Row(0, 2)], [new LossTarget(tok.Row(0, 2), 11, 1f)]);
        var bad = new float[cfg.HiddenSize];
        bad[3] = float.NaN;
        var runs = new[] { new float[cfg.HiddenSize], bad }.Select(theta => new SteeringRun(problem, new DirectVector(cfg.HiddenSize), theta, 0.1f)).ToList();
        var e = Assert.Throws<OptimizationDivergedException>(() => SteeringOptimizer.OptimizeMany(m, runs, steps: 10));
        Assert.That(e!.Run, Is.EqualTo(1));
        Assert.That(e.Message, Does.StartWith("run 1: the loss became NaN at step 0"));
    }

    [Test]
    public void AnswerMetricSumsEachPromptsFirstTokensAndAveragesPrompts()
    {
        // Row 0: answer starts at 3, three tokens left; row 1 is left-padded by 2 and its answer is cut by the end.
        var tok = TokenBatch.FromSequences([[1, 2, 3, 4, 5, 6], [1, 2, 3, 4]], 0, leftPad: true);
        var t = LossTargets.AnswerMetric(tok, [3, 5], nFirst: 2);
        Assert.That(t, Is.EqualTo(new[]
        {
            new LossTarget(2, 4, 0.5f), new LossTarget(3, 5, 0.5f),
            new LossTarget(tok.Row(1, 4), 4, 0.5f),
        }));
    }
}
