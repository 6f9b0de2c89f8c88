using NativeTV.Host.Cli;
using NativeTV.Organism;
using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Steering;

namespace NativeTV.Tests.Cleaning;

/// <summary>
/// The kept step of cleaning: the lowest objective among steps whose loss is no higher than the start's, so a cleaned
/// vector never ends worse than the SAE reconstruction it started from; --allow-worse keeps the plain lowest objective.
/// </summary>
public class NoWorseThanStartTests
{
    private static StepRecord R(int step, double loss, double penalty) => new(step, loss, penalty, 1);

    [Test]
    public void TheBestStepIsTheLowestObjectiveNoWorseThanTheStart()
    {
        // Step 2 has the lowest objective but a loss above the start's; step 1 is the best of the rest.
        var log = new[] { R(0, 1.0, 1.0), R(1, 0.9, 0.6), R(2, 1.3, 0.0), R(3, 1.0, 0.8) };
        Assert.That(SteeringOptimizer.BestStep(log, noWorseThanStart: true), Is.EqualTo(1));
        Assert.That(SteeringOptimizer.BestStep(log, noWorseThanStart: false), Is.EqualTo(2));
        // Where every later step is worse, the start itself is kept.
        Assert.That(SteeringOptimizer.BestStep([R(0, 1.0, 1.0), R(1, 1.1, 0.1)], noWorseThanStart: true), Is.EqualTo(0));
    }

    [Test]
    public void AHeavyPenaltyEndsWorseOnlyWhereAllowed()
    {
        // L1 0.1 on the organism's antonym at layer 2 trades the task for sparsity (README, clean --l1).
        using var ctx = PipelineContext.Open(BuiltInModel.Path, "cpu", OrganismTasks.All().Where(t => t.Name == "antonym").ToList(), null, 0, counts: new(Icl: 8, Clean: 8, Eval: 8));
        var t = ctx.Prompts[0];
        var batch = PromptBatch.Of(t.Clean, ctx.NFirst, ctx.Model.Config.PadTokenId);
        var o = new CleaningOptions(L1: 0.1f, Lr: 0.05f, Steps: 60);
        var allowed = TaskVectorCleaner.Clean(ctx.Model, ctx.Sae(2), 2, batch, ctx.TaskVector(t, 2), o with { AllowWorse = true });
        var kept = TaskVectorCleaner.Clean(ctx.Model, ctx.Sae(2), 2, batch, ctx.TaskVector(t, 2), o);
        Assert.That(allowed.WorseThanStart, Is.True, "the case must end worse under the plain rule for this test to mean anything");
        Assert.That(kept.WorseThanStart, Is.False);
        Assert.That(kept.Curve[kept.BestStep].Loss, Is.LessThanOrEqualTo(kept.Curve[0].Loss));
        // The vector is the kept step's: its loss on the cleaning prompts is that step's.
        double loss = ScoreSummary.Of(PromptScorer.Score(ctx.Model, t.Clean, new Steer(2, kept.Vector), ctx.NFirst)).Nll;
        Assert.That(loss, Is.EqualTo(kept.Curve[kept.BestStep].Loss).Within(1e-3));
    }
}
