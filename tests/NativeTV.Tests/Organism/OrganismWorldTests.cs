using NativeTV.Organism;
using W = NativeTV.Organism.OrganismWorld;

namespace NativeTV.Tests.Organism;

/// <summary>The vocabulary and splits must be exactly the formulas of ORGANISM.md: trained checkpoints depend on every id.</summary>
public class OrganismWorldTests
{
    [Test]
    public void VocabularyOrderAndIds()
    {
        var v = W.Vocabulary;
        Assert.That(v, Has.Length.EqualTo(416));
        Assert.That(v[..5], Is.EqualTo(new[] { "<pad>", "<bos>", "->", "\n", "," }));
        Assert.That(v[5..17], Is.EqualTo(new[] { "<copy>", "<antonym>", "<successor>", "<predecessor>", "<category>", "<plural>",
            "<singular>", "<translate_AB>", "<translate_BA>", "<antonym_B>", "<successor_B>", "<category_B>" }));
        Assert.That(v[17..25], Is.EqualTo(new[] { "animal", "color", "food", "tool", "place", "body", "plant", "metal" }));
        Assert.That(Array.IndexOf(v, "bama"), Is.EqualTo(25));
        Assert.That(Array.IndexOf(v, "bamas"), Is.EqualTo(153));
        Assert.That(Array.IndexOf(v, "MABA"), Is.EqualTo(281));
        Assert.That(Array.IndexOf(v, "lohas"), Is.EqualTo(280));
        Assert.That(Array.IndexOf(v, "HALO"), Is.EqualTo(408));
        Assert.That(Array.IndexOf(v, "dene"), Is.EqualTo(25 + 16 + 1));
        Assert.That(v[409], Is.EqualTo("<unused409>"));
        Assert.That(v[415], Is.EqualTo("<unused415>"));
        Assert.That(v.Count(t => !t.StartsWith("<unused")), Is.EqualTo(W.UsedVocab).And.EqualTo(409));
        Assert.That(W.S2[15], Is.EqualTo("ha"));
        Assert.That((W.Pad, W.Bos, W.Arrow, W.Newline, W.Comma), Is.EqualTo((0, 1, 2, 3, 4)));
        Assert.That(W.RelationId(0), Is.EqualTo(5));
        Assert.That(W.RelationId(11), Is.EqualTo(16));
        Assert.That(W.CategoryNameId(7), Is.EqualTo(24));
    }

    [Test]
    public void WordIdsAndSpellingsAgree()
    {
        foreach (var form in Enum.GetValues<WordForm>())
            for (int c = 0; c < W.Categories; c++)
                for (int i = 0; i < W.Items; i++)
                    Assert.That(W.Vocabulary[W.WordId(form, c, i)], Is.EqualTo(W.Spell(form, c, i)));
        Assert.That(W.Spell(WordForm.A, 3, 9), Is.EqualTo("goye"));
        Assert.That(W.Spell(WordForm.P, 3, 9), Is.EqualTo("goyes"));
        Assert.That(W.Spell(WordForm.B, 3, 9), Is.EqualTo("YEGO"));
        Assert.Throws<ArgumentOutOfRangeException>(() => W.WordId(WordForm.A, 8, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => W.WordId(WordForm.A, 0, -1));
    }

    [Test]
    public void SpellingsAreUniqueAndSingleWords()
    {
        Assert.That(W.Vocabulary, Is.Unique);
        Assert.That(W.Vocabulary.Where(t => t != "\n"), Has.None.Matches<string>(t => t.Length == 0 || t.Any(char.IsWhiteSpace)));
    }

    [Test]
    public void SplitsFollowTheFormula()
    {
        for (int c = 0; c < W.Categories; c++)
        {
            var splits = Enumerable.Range(0, W.Items).Select(i => W.Split(c, i)).ToArray();
            Assert.That(splits.Count(s => s == WordSplit.Unseen), Is.EqualTo(1), $"category {c}");
            Assert.That(splits.Count(s => s == WordSplit.TextOnly), Is.EqualTo(3), $"category {c}");
            Assert.That(splits.Count(s => s == WordSplit.Train), Is.EqualTo(12), $"category {c}");
            Assert.That(splits[(5 * c + 3) % 16], Is.EqualTo(WordSplit.Unseen));
            foreach (int d in new[] { 0, 5, 10 }) Assert.That(splits[(c + d) % 16], Is.EqualTo(WordSplit.TextOnly));
        }
        Assert.That(W.Split(0, 3), Is.EqualTo(WordSplit.Unseen));
        Assert.That(W.Split(1, 8), Is.EqualTo(WordSplit.Unseen));
        Assert.That(W.Split(7, 6), Is.EqualTo(WordSplit.Unseen));
        Assert.That(W.Split(7, 1), Is.EqualTo(WordSplit.TextOnly));
        Assert.That(W.Split(0, 1), Is.EqualTo(WordSplit.Train));
    }
}
