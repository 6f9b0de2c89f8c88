using NativeTV.Host.Cli;
using NativeTV.Organism;
using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Experiments;
using NativeTV.Tests.Ops;

namespace NativeTV.Tests.Cleaning;

/// <summary>
/// Batched cleaning on the committed organism at layer 2: several tasks with their own L1 weights cleaned in one
/// batch give each task's result cleaned alone (same curve length and best step, same features, vectors within float
/// tolerance), including a job that stops early while the others go on, and with a cap on prompts per pass. On cpu.
/// </summary>
public class BatchedCleaningTests
{
    private const int L = 2;
    private PipelineContext _ctx = null!;

    [OneTimeSetUp]
    public void Open() => _ctx = PipelineContext.Open(BuiltInModel.Path, "cpu", OrganismTasks.All().Take(4).ToList(), null, 0, counts: new(Icl: 8, Clean: 8, Eval: 8));

    [OneTimeTearDown]
    public void Close() => _ctx.Dispose();

    private static readonly CleaningOptions O = new(L1: 0.03f, Lr: 0.05f, Steps: 30, Patience: 4);
    // The third job starts from a tenth of its task vector with a penalty so large that every feature is switched
    // off within 20 steps: its objective then stays flat and it stops early.
    private static readonly float[] L1 = [0.03f, 0.01f, 3f, 0.03f], Scale = [1f, 1f, 0.1f, 1f];
    private List<CleaningJob>? _jobs;
    private List<CleaningResult>? _alone;

    private List<CleaningJob> Jobs => _jobs ??= _ctx.Prompts.Select((p, i) => new CleaningJob(PromptBatch.Of(p.Clean, _ctx.NFirst, _ctx.Model.Config.PadTokenId),
        _ctx.TaskVector(p, L).Select(x => x * Scale[i]).ToArray(), L1[i])).ToList();

    private List<CleaningResult> Alone => _alone ??= Jobs.Select((j, i) => TaskVectorCleaner.Clean(_ctx.Model, _ctx.Sae(L), L, j.CleanSet, j.TaskVector, O with { L1 = L1[i] })).ToList();

    /// <summary>All jobs in one pass, and at most three jobs (24 prompts) per pass: the fourth joins when the third stops.</summary>
    [TestCase(null)]
    [TestCase(24)]
    public void CleaningManyEqualsCleaningEachAlone(int? maxPrompts)
    {
        var stepsSeen = new int[Jobs.Count];
        var order = new List<int>();
        var batched = TaskVectorCleaner.CleanMany(_ctx.Model, _ctx.Sae(L), L, Jobs, O, (i, s) => { stepsSeen[i]++; order.Add(i); }, maxPrompts);
        var lengths = batched.Select(r => r.Curve.Count).ToArray();
        TestContext.Out.WriteLine($"steps per job: {string.Join(", ", lengths)}");
        Assert.That(lengths.Min(), Is.LessThan(O.Steps), "a job stops early");
        Assert.That(lengths.Max(), Is.GreaterThan(lengths.Min()), "others go on after it stops");
        Assert.That(stepsSeen, Is.EqualTo(lengths), "onStep sees each job's steps");
        if (maxPrompts != null)
            Assert.That(order.IndexOf(3), Is.GreaterThan(order.LastIndexOf(2)).And.LessThan(order.LastIndexOf(0)), "the fourth job joins when the third stops, while the first runs");

        for (int i = 0; i < Jobs.Count; i++)
        {
            var (b, alone) = (batched[i], Alone[i]);
            string job = $"job {i} ({_ctx.Tasks[i].Name}, l1 {L1[i]})";
            Assert.That(b.Curve.Count, Is.EqualTo(alone.Curve.Count), $"{job}: steps");
            Assert.That(b.BestStep, Is.EqualTo(alone.BestStep), $"{job}: best step");
            Assert.That(b.Curve.Select(s => s.Objective), Is.EqualTo(alone.Curve.Select(s => s.Objective)).Within(1e-4).Percent, $"{job}: objective curve");
            Assert.That(b.Features.Select(f => f.Id), Is.EqualTo(alone.Features.Select(f => f.Id)), $"{job}: features");
            Assert.That(b.Features.Select(f => f.Weight), Is.EqualTo(alone.Features.Select(f => f.Weight)).Within(1e-4f), $"{job}: weights");
            Assert.That(TestData.RelMaxError(b.Vector, alone.Vector), Is.LessThan(1e-4), $"{job}: vector");
            Assert.That(b.ReconstructionL0, Is.EqualTo(alone.ReconstructionL0), $"{job}: reconstruction");
        }
    }
}
