using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.Sae;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.Sae.Formats;
using NativeTV.Transformer.Model;
using NativeTV.Organism;
using NativeTV.TaskVectors;

namespace NativeTV.Tests.Organism;

/// <summary>
/// The pipeline's acceptance numbers hold on the committed organism (weights/organism, trained by `nativetv
/// organism train`; its ORGANISM.md checks are tested through `organism check`, see OrganismCommandTests): the task vector closes at least 40% of the
/// zero-shot-to-ICL loss gap at the best layer, and cleaning at L1 0.03 keeps at most 6 features with a
/// cleaning-set loss no worse than the task vector's.
/// </summary>
public class TrainedOrganismTests
{
    private IBackend _be = null!;
    private TransformerModel _m = null!;
    private string _dir = null!;

    [OneTimeSetUp]
    public void Load()
    {
        _dir = BuiltInModel.Path;
        _be = BackendFactory.Create("cpu");
        _m = TransformerModel.Load(_dir, _be);
    }

    [OneTimeTearDown]
    public void Close() { _m.Dispose(); _be.Dispose(); }

    private List<TaskPrompts> Prompts()
    {
        var builder = new PromptBuilder(OrganismWorld.Tokenizer(), OrganismFolder.Manifest.Prompts());
        return OrganismTasks.All().Where(t => t.Name != "singular").Select(t => builder.Build(t)).ToList();
    }

    [Test]
    public void TaskVectorClosesMostOfTheGapAndCleaningKeepsFewFeatures()
    {
        var prompts = Prompts();
        int layers = _m.Config.Layers;
        double Loss(IReadOnlyList<Prompt> p, Steer? s) => ScoreSummary.Of(PromptScorer.Score(_m, p, s, 2)).Nll;
        var tv = prompts.Select(p => TaskVectorExtractor.Mean(_m, p.Icl, Enumerable.Range(0, layers + 1).ToArray(), lastOnly: false)).ToList();
        double zs = prompts.Average(p => Loss(p.Eval, null)), icl = prompts.Average(p => Loss(p.Icl, null));
        var byLayer = Enumerable.Range(0, layers + 1).Select(L => prompts.Select((p, i) => Loss(p.Eval, new Steer(L, tv[i][L]))).Average()).ToList();
        double best = byLayer.Min();
        TestContext.Out.WriteLine($"zero-shot {zs:F3}, ICL {icl:F3}, TV by layer {string.Join(" ", byLayer.Select(x => x.ToString("F3")))}");
        Assert.That((zs - best) / (zs - icl), Is.GreaterThanOrEqualTo(0.4));

        using var sae = new DeviceSae(SaeLoader.Load(Path.Combine(_dir, "sae-l2"), _m.Config.HiddenSize), _be);
        var o = new CleaningOptions(L1: 0.03f, Lr: 0.05f, Steps: 200, Patience: 200);
        var kept = new List<int>();
        for (int i = 0; i < prompts.Count; i++)
        {
            var set = PromptBatch.Of(prompts[i].Clean, 2, _m.Config.PadTokenId);
            var r = TaskVectorCleaner.Clean(_m, sae, 2, set, tv[i][2], o);
            double tvLoss = Loss(prompts[i].Clean, new Steer(2, tv[i][2])), cleanedLoss = Loss(prompts[i].Clean, new Steer(2, r.Vector));
            TestContext.Out.WriteLine($"{prompts[i].Task.Name}: {r.ReconstructionL0} -> {r.Features.Count} features, cleaning-set loss TV {tvLoss:F3} -> cleaned {cleanedLoss:F3}");
            Assert.That(cleanedLoss, Is.LessThanOrEqualTo(tvLoss + 1e-6), prompts[i].Task.Name);
            kept.Add(r.Features.Count);
        }
        Assert.That(kept.Max(), Is.LessThanOrEqualTo(6));
    }
}
