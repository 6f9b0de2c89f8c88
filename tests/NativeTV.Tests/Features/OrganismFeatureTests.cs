using NativeTV.Host.Cli;
using NativeTV.Host.Experiments;
using NativeTV.Sae.Cleaning;
using NativeTV.Transformer.TaskVectors;

namespace NativeTV.Tests.Features;

/// <summary>
/// The post's feature findings on the committed organism, whose tasks are known exactly: single task features
/// steer their own task, detector vectors and cross-layer reading produce well-formed results.
/// "singular" is left out: it is solved without steering (ORGANISM.md).
/// </summary>
public class OrganismFeatureTests
{
    private PipelineContext _ctx = null!;

    [OneTimeSetUp]
    public void Open() =>
        _ctx = PipelineContext.Open(BuiltInModel.Path, "cpu", TaskLoader.OrganismTasks().Where(t => t.Name != "singular").ToList(), null, 0);

    [OneTimeTearDown]
    public void Close() => _ctx.Dispose();

    [Test]
    public void TopFeatureOfMostTasksLowersItsOwnTasksLossMost()
    {
        const int L = 2;
        var o = new CleaningOptions(L1: 0.03f, Lr: 0.05f, Steps: 200, Patience: 200);
        var m = _ctx.Model;
        var top = _ctx.Prompts.Select(p =>
        {
            var tv = TaskVectorExtractor.Mean(m, p.Icl, [L], lastOnly: false)[0];
            return TaskVectorCleaner.Clean(m, _ctx.Sae(L), L, PromptBatch.Of(p.Clean, _ctx.NFirst, m.Config.PadTokenId), tv, o).Features[0].Id;
        }).ToArray();
        var mat = FeatureSteeringMatrix.Measure(m, _ctx.Sae(L).Sae, L, _ctx.Prompts.Select(p => (p.Task.Name, p.Eval)).ToList(), top.Distinct().ToArray(), 20f, _ctx.NFirst);

        int n = mat.Tasks.Length, own = 0;
        for (int t = 0; t < n; t++)
        {
            int j = Array.IndexOf(mat.Features, top[t]);
            bool best = Enumerable.Range(0, n).All(u => u == t || mat.RelativeChange[t, j] < mat.RelativeChange[u, j]);
            TestContext.Out.WriteLine($"{mat.Tasks[t]}: top feature {top[t]}, own change {mat.RelativeChange[t, j]:F2}, others' best {Enumerable.Range(0, n).Where(u => u != t).Min(u => mat.RelativeChange[u, j]):F2}{(best ? "" : "  (not its own best)")}");
            if (best) own++;
        }
        Assert.That(own, Is.GreaterThan(n / 2), "tasks whose top cleaned feature lowers their own loss more than any other task's");
    }
}
