using NativeTV.Transformer.Tokenization;
namespace NativeTV.Organism;

/// <summary>
/// The synthetic world of the model organism (docs ORGANISM.md): 8 categories x 16 items, each item
/// spelled in three one-token forms. Every id and spelling is a formula, so the world needs no data
/// file and a trained organism's tokens mean the same thing everywhere.
/// </summary>
public static class OrganismWorld
{
    public const int Pad = 0, Bos = 1, Arrow = 2, Newline = 3, Comma = 4;
    public const int Categories = 8, Items = 16, VocabSize = 416, UsedVocab = 409;

    public static readonly string[] CategoryNames = ["animal", "color", "food", "tool", "place", "body", "plant", "metal"];
    public static readonly string[] S1 = ["ba", "de", "fi", "go", "hu", "ja", "ke", "lo"];
    public static readonly string[] S2 = ["ma", "ne", "pi", "ro", "su", "ta", "vi", "wo", "xa", "ye", "zi", "bo", "du", "fe", "gi", "ha"];

    /// <summary>The 12 tasks in vocabulary order (their relation tokens are 5-16).</summary>
    public static readonly OrganismTask[] Tasks =
    [
        new(0, "copy", WordForm.A, WordForm.A, 0),
        new(1, "antonym", WordForm.A, WordForm.A, 8),
        new(2, "successor", WordForm.A, WordForm.A, 1),
        new(3, "predecessor", WordForm.A, WordForm.A, -1),
        new(4, "category", WordForm.A, null, 0),
        new(5, "plural", WordForm.A, WordForm.P, 0),
        new(6, "singular", WordForm.P, WordForm.A, 0),
        new(7, "translate_AB", WordForm.A, WordForm.B, 0),
        new(8, "translate_BA", WordForm.B, WordForm.A, 0),
        new(9, "antonym_B", WordForm.B, WordForm.B, 8),
        new(10, "successor_B", WordForm.B, WordForm.B, 1),
        new(11, "category_B", WordForm.B, null, 0),
    ];

    public static int RelationId(int task) => 5 + task;

    public static int CategoryNameId(int c) => 17 + c;

    /// <summary>Id of form <paramref name="form"/> of item (c, i): blocks of 128 from 25 (A), 153 (P), 281 (B), c-major.</summary>
    public static int WordId(WordForm form, int c, int i)
    {
        CheckItem(c, i);
        return 25 + (int)form * Categories * Items + Items * c + i;
    }

    public static string Spell(WordForm form, int c, int i)
    {
        CheckItem(c, i);
        return form switch
        {
            WordForm.A => S1[c] + S2[i],
            WordForm.P => S1[c] + S2[i] + "s",
            _ => (S2[i] + S1[c]).ToUpperInvariant(),
        };
    }

    /// <summary>
    /// Unseen when i = (5c + 3) mod 16, text-only when (i - c) mod 16 is 0, 5 or 10. They never
    /// overlap: unseen gives i - c = 4c + 3, which is 3 mod 4, while 0, 5, 10 are 0, 1, 2 mod 4.
    /// </summary>
    public static WordSplit Split(int c, int i)
    {
        CheckItem(c, i);
        if (i == (5 * c + 3) % Items) return WordSplit.Unseen;
        return ((i - c + Items) % Items) is 0 or 5 or 10 ? WordSplit.TextOnly : WordSplit.Train;
    }

    /// <summary>All 416 token strings by id; the newline token is spelled "\n".</summary>
    public static readonly string[] Vocabulary = BuildVocabulary();

    /// <summary>The word-level tokenizer of <see cref="Vocabulary"/>.</summary>
    public static WordLevelTokenizer Tokenizer() => new(Vocabulary);

    private static readonly (int c, int i)[][] ItemsBySplit =
        Enum.GetValues<WordSplit>().Select(s => AllItems().Where(x => Split(x.c, x.i) == s).ToArray()).ToArray();

    private static void CheckItem(int c, int i)
    {
        if ((uint)c >= Categories) throw new ArgumentOutOfRangeException(nameof(c), c, $"category must be in [0, {Categories})");
        if ((uint)i >= Items) throw new ArgumentOutOfRangeException(nameof(i), i, $"item must be in [0, {Items})");
    }

    internal static (int c, int i)[] ItemsOf(WordSplit split) => ItemsBySplit[(int)split];

    private static IEnumerable<(int c, int i)> AllItems() =>
        Enumerable.Range(0, Categories).SelectMany(c => Enumerable.Range(0, Items).Select(i => (c, i)));

    private static string[] BuildVocabulary()
    {
        var v = new List<string> { "<pad>", "<bos>", "->", "\n", "," };
        v.AddRange(Tasks.Select(t => $"<{t.Name}>"));
        v.AddRange(CategoryNames);
        foreach (var form in Enum.GetValues<WordForm>())
            v.AddRange(AllItems().Select(x => Spell(form, x.c, x.i)));
        for (int id = v.Count; id < VocabSize; id++) v.Add($"<unused{id}>");
        return [.. v];
    }
}
