using NativeTV.Organism;
using NativeTV.Host.Cli;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using NativeTV.TaskVectors.Cleaning;
using System.Text.Json;
using NativeTV.TaskVectors;

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
        _ctx = PipelineContext.Open(BuiltInModel.Path, "cpu", OrganismTasks.All().Where(t => t.Name != "singular").ToList(), null, 0);

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

    [Test]
    public void DetectorsAtLayerOneAreTaskSpecificAndWellFormed()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ntv-detectors-" + Guid.NewGuid().ToString("N"));
        try
        {
            // The organism's detector recipe, as `features` runs it.
            var rs = TaskDetectors.Run(_ctx, 1, CleaningRecipes.DetectorsOf(_ctx.Manifest), dir);
            foreach (var r in rs)
                TestContext.Out.WriteLine($"{r.Task}: none {r.None.Nll:F2}, detector vector {r.Raw.Nll:F2}, cleaned {r.Cleaned.Nll:F2} ({r.Cleaning.Features.Count}), specificity {r.Specificity:F2}");
            Assert.That(rs.Select(r => r.Task), Is.EqualTo(_ctx.Tasks.Select(t => t.Name)));
            Assert.That(rs.SelectMany(r => new[] { r.None.Nll, r.Raw.Nll, r.Cleaned.Nll }), Is.All.Matches<double>(double.IsFinite));
            // Chance is 1/12: detector features fire on their own task's outputs.
            Assert.That(rs.Where(r => r.Cleaning.Features.Count > 0).Average(r => r.Specificity), Is.GreaterThan(2.0 / 12));
            Assert.That(rs.Average(r => r.Cleaned.Nll), Is.LessThan(rs.Average(r => r.None.Nll)), "cleaned detectors lower the one-shot loss on average");

            var summary = File.ReadAllLines(Path.Combine(dir, "summary.L1.csv"));
            Assert.That(summary, Has.Length.EqualTo(rs.Count + 1));
            Assert.That(summary.Skip(1).Select(l => l.Split(',').Length), Is.All.EqualTo(summary[0].Split(',').Length));
            Assert.That(File.Exists(Path.Combine(dir, "loss.L1.png")));
            foreach (var r in rs)
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "cleaned", $"{r.Task}.L1.json")));
                Assert.That(doc.RootElement.GetProperty("features").GetArrayLength(), Is.EqualTo(r.Cleaning.Features.Count));
            }
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Test]
    public void CleanedEarlyVectorsRebuildTheLaterTaskVectorsFeatures()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ntv-crosslayer-" + Guid.NewGuid().ToString("N"));
        try
        {
            var rs = CrossLayerReading.Run(_ctx, 1, 2, new CleaningOptions(Steps: 300), dir);
            foreach (var r in rs)
                TestContext.Out.WriteLine($"{r.Task}: loss TV@1 {r.EarlyTv.Nll:F2}, cleaned@1 {r.Cleaned.Nll:F2} ({r.CleanedL0}), TV@2 {r.LateTv.Nll:F2}; overlap {r.Overlap:F2} (zero-shot {r.OverlapZeroShot:F2})");
            Assert.That(rs, Has.Count.EqualTo(_ctx.Tasks.Count));
            Assert.That(rs.SelectMany(r => new[] { r.Overlap, r.OverlapZeroShot, r.Cosine }), Is.All.InRange(-1.0, 1.0));
            // Where the cleaned layer-1 vector works, the residual it induces at layer 2 shares the layer-2 task vector's features.
            var working = rs.Where(r => r.Cleaned.Nll < 0.5 * r.EarlyTv.Nll).ToList();
            Assert.That(working, Is.Not.Empty, "cleaning at layer 1 finds a working vector for some task");
            Assert.That(working, Is.All.Matches<CrossLayerResult>(r => r.Overlap > r.OverlapZeroShot + 0.1));
            foreach (var f in new[] { "summary.L1-L2.csv", "features.L1-L2.csv", "overlap.L1-L2.png", "specificity.L1-L2.png", "loss.L1-L2.png" })
                Assert.That(File.Exists(Path.Combine(dir, f)), f);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
