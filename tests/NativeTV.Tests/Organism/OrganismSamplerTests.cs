using NativeTV.Organism;
using W = NativeTV.Organism.OrganismWorld;

namespace NativeTV.Tests.Organism;

/// <summary>The training mixture: layout, correct answers, held-out words kept out, and determinism in (seed, step).</summary>
public class OrganismSamplerTests
{
    /// <summary>Every (input id, output id) pair a task can produce, with its task and item.</summary>
    private static readonly Dictionary<(int x, int y), List<(OrganismTask t, int c, int i)>> Facts = W.Tasks
        .SelectMany(t => Enumerable.Range(0, 128).Select(k => (t, c: k / 16, i: k % 16)))
        .GroupBy(f => (f.t.InputId(f.c, f.i), f.t.OutputId(f.c, f.i)))
        .ToDictionary(g => g.Key, g => g.ToList());

    private static readonly OrganismSequence[] Many = Enumerable.Range(0, 50).SelectMany(s => new OrganismSampler(7).Batch(s, 40)).ToArray();

    private static bool IsIcl(OrganismSequence s) => s.Ids[2] == W.Arrow;

    [Test]
    public void LayoutAndAnswers()
    {
        Assert.That(Many, Has.Length.EqualTo(2000));
        foreach (var s in Many)
        {
            Assert.That(s.Ids, Has.Length.EqualTo(40));
            Assert.That(s.AnswerPositions, Is.EqualTo(Enumerable.Range(0, 10).Select(k => 3 + 4 * k)));
            Assert.That(s.Ids[0], Is.EqualTo(W.Bos));
            bool icl = IsIcl(s);
            var tasks = new HashSet<int>();
            var items = new HashSet<(int, int)>();
            for (int k = 0; k < 10; k++)
            {
                int p = s.AnswerPositions[k], x = s.Ids[p - 2], op = s.Ids[p - 1], y = s.Ids[p];
                if (k > 0) Assert.That(s.Ids[p - 3], Is.EqualTo(icl ? W.Newline : W.Comma));
                Assert.That(Facts.TryGetValue((x, y), out var fs), Is.True, $"{W.Vocabulary[x]} -> {W.Vocabulary[y]} is no task's fact");
                // A pair identifies its task; in text the relation token must name that task.
                var (t, c, i) = fs!.Single();
                Assert.That(W.Split(c, i), Is.Not.EqualTo(WordSplit.Unseen));
                if (icl)
                {
                    Assert.That(op, Is.EqualTo(W.Arrow));
                    Assert.That(W.Split(c, i), Is.EqualTo(WordSplit.Train));
                    tasks.Add(t.Index);
                    items.Add((c, i));
                }
                else Assert.That(op, Is.EqualTo(t.RelationId));
            }
            if (icl) Assert.That((tasks.Count, items.Count), Is.EqualTo((1, 10)), "an ICL sequence has one task and 10 distinct words");
        }
    }

    [Test]
    public void MixtureProportions()
    {
        double icl = Many.Count(IsIcl) / (double)Many.Length;
        Assert.That(icl, Is.EqualTo(0.8).Within(0.03));
        var iclTasks = Many.Where(IsIcl).GroupBy(s => Facts[(s.Ids[1], s.Ids[3])].Single().t.Index).ToArray();
        Assert.That(iclTasks, Has.Length.EqualTo(12));
        var textOnlyInputs = Many.Where(s => !IsIcl(s)).SelectMany(s => s.AnswerPositions.Select(p => Facts[(s.Ids[p - 2], s.Ids[p])].Single()))
            .Count(f => W.Split(f.c, f.i) == WordSplit.TextOnly);
        Assert.That(textOnlyInputs, Is.GreaterThan(0), "text sequences must use text-only words");
    }

    [Test]
    public void DeterministicInSeedAndStep()
    {
        var a = new OrganismSampler(3).Batch(1234, 16);
        var b = new OrganismSampler(3).Batch(1234, 16);
        Assert.That(a.Select(s => s.Ids), Is.EqualTo(b.Select(s => s.Ids)));
        Assert.That(new OrganismSampler(3).Batch(1234, 4).Select(s => s.Ids), Is.EqualTo(a.Take(4).Select(s => s.Ids)));
        Assert.That(new OrganismSampler(3).Batch(1235, 16).Select(s => s.Ids), Is.Not.EqualTo(a.Select(s => s.Ids)));
        Assert.That(new OrganismSampler(4).Batch(1234, 16).Select(s => s.Ids), Is.Not.EqualTo(a.Select(s => s.Ids)));
    }
}
