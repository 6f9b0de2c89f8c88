using NativeTV.Organism;
using W = NativeTV.Organism.OrganismWorld;

namespace NativeTV.Tests.Organism;

/// <summary>Each task's mapping, checked against spellings and the algebra the relations must have.</summary>
public class OrganismTaskTests
{
    private static OrganismTask T(string name) => W.Tasks.Single(t => t.Name == name);
    private static string Word(int id) => W.Vocabulary[id];

    [Test]
    public void TasksAreInDocumentOrder()
    {
        Assert.That(W.Tasks.Select(t => t.Name), Is.EqualTo(new[] { "copy", "antonym", "successor", "predecessor", "category", "plural",
            "singular", "translate_AB", "translate_BA", "antonym_B", "successor_B", "category_B" }));
        Assert.That(W.Tasks.Select(t => t.Index), Is.EqualTo(Enumerable.Range(0, 12)));
        Assert.That(W.Tasks.Select(t => Word(t.RelationId)), Is.EqualTo(W.Tasks.Select(t => $"<{t.Name}>")));
    }

    [Test]
    public void SpotChecks()
    {
        Assert.That((Word(T("copy").InputId(0, 0)), Word(T("copy").OutputId(0, 0))), Is.EqualTo(("bama", "bama")));
        Assert.That(Word(T("antonym").OutputId(0, 0)), Is.EqualTo("baxa"));
        Assert.That(Word(T("successor").OutputId(0, 15)), Is.EqualTo("bama"));
        Assert.That(Word(T("predecessor").OutputId(0, 0)), Is.EqualTo("baha"));
        Assert.That(Word(T("category").OutputId(2, 4)), Is.EqualTo("food"));
        Assert.That(Word(T("category_B").InputId(2, 4)), Is.EqualTo("SUFI"));
        Assert.That(Word(T("category_B").OutputId(2, 4)), Is.EqualTo("food"));
        Assert.That((Word(T("plural").InputId(1, 2)), Word(T("plural").OutputId(1, 2))), Is.EqualTo(("depi", "depis")));
        Assert.That((Word(T("singular").InputId(1, 2)), Word(T("singular").OutputId(1, 2))), Is.EqualTo(("depis", "depi")));
        Assert.That(Word(T("translate_AB").OutputId(1, 2)), Is.EqualTo("PIDE"));
        Assert.That(Word(T("translate_BA").OutputId(1, 2)), Is.EqualTo("depi"));
        Assert.That(Word(T("antonym_B").OutputId(1, 2)), Is.EqualTo("ZIDE"));
        Assert.That(Word(T("successor_B").OutputId(1, 15)), Is.EqualTo("MADE"));
    }

    [Test]
    public void RelationsHaveTheirAlgebra()
    {
        var byInput = W.Tasks.ToDictionary(t => t.Name, t => Enumerable.Range(0, 128).ToDictionary(k => t.InputId(k / 16, k % 16), k => t.OutputId(k / 16, k % 16)));
        int Apply(string task, int id) => byInput[task][id];
        for (int c = 0; c < W.Categories; c++)
            for (int i = 0; i < W.Items; i++)
            {
                int a = W.WordId(WordForm.A, c, i), b = W.WordId(WordForm.B, c, i);
                Assert.That(Apply("antonym", Apply("antonym", a)), Is.EqualTo(a));
                Assert.That(Apply("antonym", a), Is.Not.EqualTo(a));
                Assert.That(Apply("antonym_B", Apply("antonym_B", b)), Is.EqualTo(b));
                Assert.That(Apply("predecessor", Apply("successor", a)), Is.EqualTo(a));
                Assert.That(Apply("successor", Apply("predecessor", a)), Is.EqualTo(a));
                Assert.That(Apply("translate_BA", Apply("translate_AB", a)), Is.EqualTo(a));
                Assert.That(Apply("translate_AB", Apply("translate_BA", b)), Is.EqualTo(b));
                Assert.That(Apply("singular", Apply("plural", a)), Is.EqualTo(a));
                Assert.That(Apply("copy", a), Is.EqualTo(a));
                Assert.That(Apply("translate_BA", Apply("successor_B", Apply("translate_AB", a))), Is.EqualTo(Apply("successor", a)));
                Assert.That(Apply("category_B", b), Is.EqualTo(Apply("category", a)).And.EqualTo(17 + c));
            }
    }

    [Test]
    public void ItemsOfEachSplit()
    {
        var t = W.Tasks[0];
        Assert.That(t.Items(WordSplit.Train).Count(), Is.EqualTo(96));
        Assert.That(t.Items(WordSplit.TextOnly).Count(), Is.EqualTo(24));
        Assert.That(t.Items(WordSplit.Unseen), Is.EqualTo(Enumerable.Range(0, 8).Select(c => (c, (5 * c + 3) % 16))));
        Assert.That(t.Items(WordSplit.Train).Concat(t.Items(WordSplit.TextOnly)).Concat(t.Items(WordSplit.Unseen)), Is.Unique);
    }
}
