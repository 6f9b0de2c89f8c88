using System.Text.Json;
using NativeTV.Host.Cli;
using NativeTV.Organism;
using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;
using NativeTV.Tests.Ops;

namespace NativeTV.Tests.Cleaning;

/// <summary>
/// The sweep cleans a layer's cells together (every task at every lambda in one batch); on the organism at layer 2
/// (three tasks, two lambdas, few prompts and steps) that gives each cell what cleaning its task alone gives: the same
/// kept step, steps, features, L0 and lambda choice, vectors and losses within float tolerance. Also with a pass
/// budget that holds only two jobs at once, so jobs wait and join as others stop. On cpu.
/// </summary>
public class BatchedSweepTests
{
    private const int L = 2;
    private static readonly SweepOptions O = new([L], Cleaning: new CleaningOptions(Lr: 0.05f, Steps: 15, Patience: 4), Lambdas: [0.01f, 0.05f]);
    private PipelineContext _ctx = null!;
    private string _alone = null!;

    [OneTimeSetUp]
    public void Open()
    {
        _ctx = PipelineContext.Open(BuiltInModel.Path, "cpu", OrganismTasks.All().Take(3).ToList(), null, 0, counts: new(Icl: 4, Clean: 8, Eval: 8));
        // Each task's cell on its own: its lambdas cleaned in one batch, as before layers were batched.
        _alone = Fixtures.TempDir();
        using var folder = RunFolder.Open(_alone, "--out", "sweep");
        var sweep = new Sweep(_ctx, folder, O, "organism tasks", restart: false);
        foreach (var cell in sweep.Todo) sweep.Run(cell);
    }

    [OneTimeTearDown]
    public void Close() => _ctx.Dispose();

    [TestCase(null)]
    [TestCase(16)]
    public void CleaningALayersTasksTogetherChangesNoResult(int? promptsPerPass)
    {
        long? budget = null;
        if (promptsPerPass is { } n)
        {
            int seqLen = _ctx.Prompts.Max(p => PromptBatch.Of(p.Clean, _ctx.NFirst, _ctx.Model.Config.PadTokenId).Tokens.SeqLen);
            budget = TransformerModel.SteerGradBytes(_ctx.Model.Config, n, seqLen, L);
            Assert.That(CleaningPassBudget.MaxPrompts(_ctx.Model.Config, seqLen, L, budget.Value), Is.EqualTo(n), "the budget holds exactly that many prompts");
        }
        string dir = Fixtures.TempDir();
        using (var folder = RunFolder.Open(dir, "--out", "sweep"))
        {
            var sweep = new Sweep(_ctx, folder, O with { PassBytes = budget }, "organism tasks", restart: false);
            var done = new List<string>();
            sweep.Run(sweep.Todo, c => done.Add(c.Task));
            Assert.That(done, Is.EqualTo(_ctx.Tasks.Select(t => t.Name)), "every cell handed on, in order");
        }

        var alone = ResultsLog.Read(Path.Combine(_alone, "results.jsonl")).ToDictionary(c => c.Task);
        var batched = ResultsLog.Read(Path.Combine(dir, "results.jsonl")).ToDictionary(c => c.Task);
        Assert.That(batched.Keys, Is.EquivalentTo(alone.Keys));
        foreach (var (task, want) in alone)
        {
            var got = batched[task];
            var (g, w) = (got.Methods[Methods.Cleaned], want.Methods[Methods.Cleaned]);
            Assert.That((g.L1, g.L0), Is.EqualTo((w.L1, w.L0)), $"{task}: lambda kept, L0");
            Assert.That(g.Loss, Is.EqualTo(w.Loss).Within(1e-4).Percent, $"{task}: cleaned loss");
            Assert.That(got.Lambdas!.Select(p => p.L0), Is.EqualTo(want.Lambdas!.Select(p => p.L0)), $"{task}: each lambda's L0");
            Assert.That(got.Lambdas!.Select(p => p.CleanLoss), Is.EqualTo(want.Lambdas!.Select(p => p.CleanLoss)).Within(1e-4).Percent, $"{task}: each lambda's cleaning-set loss");
            string name = CleanedVectorFiles.Name(task, L);
            var (gj, wj) = (Json(dir, name), Json(_alone, name));
            foreach (var key in new[] { "steps", "best_step", "l0" })
                Assert.That(gj.GetProperty(key).GetInt32(), Is.EqualTo(wj.GetProperty(key).GetInt32()), $"{task}: {key}");
            Assert.That(Ids(gj), Is.EqualTo(Ids(wj)), $"{task}: features");
            Assert.That(TestData.RelMaxError(Vector(dir, name), Vector(_alone, name)), Is.LessThan(1e-4), $"{task}: vector");
        }
    }

    private static JsonElement Json(string run, string name) => JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "cleaned", name + ".json"))).RootElement;

    private static int[] Ids(JsonElement json) => json.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetInt32()).ToArray();

    private static float[] Vector(string run, string name)
    {
        using var f = new SafetensorsFile(Path.Combine(run, "cleaned", name + ".safetensors"));
        return f.ReadFloats("vector");
    }
}
