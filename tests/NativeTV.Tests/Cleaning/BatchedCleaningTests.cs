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
/// tolerance), including a job that stops early while the others go on. On cpu.
/// </summary>
public class BatchedCleaningTests
{
    private const int L = 2;
    private PipelineContext _ctx = null!;

    [OneTimeSetUp]
    public void Open() => _ctx = PipelineContext.Open(BuiltInModel.Path, "cpu", OrganismTasks.All().Take(4).ToList(), null, 0, counts: new(Icl: 8, Clean: 8, Eval: 8));

    [OneTimeTearDown]
    public void Close() => _ctx.Dispose();

    [Test]
    public void CleaningManyEqualsCleaningEachAlone()
    {
        var m = _ctx.Model;
        var o = new CleaningOptions(L1: 0.03f, Lr: 0.05f, Steps: 30, Patience: 4);
        // The third job starts from a tenth of its task vector with a penalty so large that every feature is switched
        // off within 20 steps: its objective then stays flat and it stops early.
        float[] l1 = [0.03f, 0.01f, 3f, 0.03f];
        float[] scale = [1f, 1f, 0.1f, 1f];
        var jobs = _ctx.Prompts.Select((p, i) => new CleaningJob(PromptBatch.Of(p.Clean, _ctx.NFirst, m.Config.PadTokenId), _ctx.TaskVector(p, L).Select(x => x * scale[i]).ToArray(), l1[i])).ToList();
        var stepsSeen = new int[jobs.Count];
        var batched = TaskVectorCleaner.CleanMany(m, _ctx.Sae(L), L, jobs, o, (i, s) => stepsSeen[i]++);
        var lengths = batched.Select(r => r.Curve.Count).ToArray();
        TestContext.Out.WriteLine($"steps per job: {string.Join(", ", lengths)}");
        Assert.That(lengths.Min(), Is.LessThan(o.Steps), "a job stops early");
        Assert.That(lengths.Max(), Is.GreaterThan(lengths.Min()), "others go on after it stops");
        Assert.That(stepsSeen, Is.EqualTo(lengths), "onStep sees each job's steps");

        for (int i = 0; i < jobs.Count; i++)
        {
            var alone = TaskVectorCleaner.Clean(m, _ctx.Sae(L), L, jobs[i].CleanSet, jobs[i].TaskVector, o with { L1 = l1[i] });
            var b = batched[i];
            string job = $"job {i} ({_ctx.Tasks[i].Name}, l1 {l1[i]})";
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
