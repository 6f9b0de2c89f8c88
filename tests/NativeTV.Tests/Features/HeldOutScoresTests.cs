using NativeTV.Host.Cli;
using NativeTV.Organism;
using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.Features;

/// <summary>
/// Held-out word splits on the committed organism (antonym, layer 2): the sweep's scores on "text-only" and "unseen" words
/// recomputed here from the task's pairs and <see cref="PromptScorer"/> alone, and their ICL prompts' demonstrations train words.
/// </summary>
public class HeldOutScoresTests
{
    private PipelineContext _ctx = null!;

    [OneTimeSetUp]
    public void Open() => _ctx = PipelineContext.Open(BuiltInModel.Path, "cpu", OrganismTasks.All().Where(t => t.Name == "antonym").ToList(), null, 0);

    [OneTimeTearDown]
    public void Close() => _ctx.Dispose();

    [Test]
    public void TextOnlyAndUnseenScoresAreTheSplitsZeroShotLosses()
    {
        const int L = 2;
        var t = _ctx.Prompts[0];
        var task = t.Task;
        var tv = _ctx.TaskVector(t, L);
        var scores = new HeldOutScores(_ctx).Score(t, L, new Dictionary<string, float[]> { [Methods.Tv] = tv })!;
        Assert.That(scores.Keys, Is.EquivalentTo(new[] { "text-only", "unseen" }));
        // ORGANISM.md: per category 3 text-only items and 1 unseen one, 8 categories.
        foreach (var (split, words) in new[] { ("text-only", 24), ("unseen", 8) })
        {
            var pairs = task.Pairs.Where((_, i) => task.Splits![i] == split).ToList();
            Assert.That(pairs, Has.Count.EqualTo(words));
            var prompts = pairs.Select(p => _ctx.Builder.ZeroShot(task.Name, p)).ToList();
            var none = ScoreSummary.Of(PromptScorer.Score(_ctx.Model, prompts, null, _ctx.NFirst));
            var steered = ScoreSummary.Of(PromptScorer.Score(_ctx.Model, prompts, new Steer(L, tv), _ctx.NFirst));
            var s = scores[split];
            Assert.That(s[Methods.ZeroShot].Loss, Is.EqualTo(none.Nll).Within(1e-9), split);
            Assert.That(s[Methods.Tv].Loss, Is.EqualTo(steered.Nll).Within(1e-9), split);
            Assert.That(s[Methods.Tv].Accuracy, Is.EqualTo(steered.Accuracy), split);
            Assert.That(s[Methods.Tv].PromptLosses, Has.Length.EqualTo(words));
            Assert.That(s[Methods.Tv].LossCi95![0], Is.LessThanOrEqualTo(s[Methods.Tv].Loss).And.LessThan(s[Methods.Tv].LossCi95![1]));
            TestContext.Out.WriteLine($"{split}: zero-shot {none.Nll:F2} ({none.Accuracy:F2}), TV {steered.Nll:F2} ({steered.Accuracy:F2}), ICL {s[Methods.Icl].Loss:F2} ({s[Methods.Icl].Accuracy:F2})");
        }
        // The ICL reference: the split's words as queries after the shots, every demonstration a train word of the pool.
        var held = HeldOutPrompts.Build(_ctx.Builder, t).Single(h => h.Split == "unseen");
        var pool = t.DemoPairs.Select(i => task.Pairs[i].Input).ToHashSet();
        var tok = _ctx.Tokenizer;
        foreach (var (p, q) in held.Icl.Zip(held.Pairs))
        {
            Assert.That(p.Separators, Has.Length.EqualTo(_ctx.Builder.Options.Shots + 1));
            Assert.That(tok.Decode([p.Ids[^2]]).Trim(), Is.EqualTo(task.Pairs[q].Input));
            Assert.That(p.Separators[..^1].Select(sep => tok.Decode([p.Ids[sep - 1]]).Trim()), Is.All.Matches<string>(pool.Contains));
        }
    }
}
