using NativeTV.Organism;
using NativeTV.TaskVectors;
using NativeTV.Transformer.Tokenization;
using W = NativeTV.Organism.OrganismWorld;

namespace NativeTV.Tests.TaskVectors;

/// <summary>Prompt positions tracked through real tokenizers; sampling disjoint, deterministic and corrupted as METHOD.md §1 says.</summary>
public class PromptBuilderTests
{
    private static readonly (string, string)[] Words =
    [
        ("hot", "cold"), ("big", "small"), ("fast", "slow"), ("happy", "sad"), ("child", "children"), ("France", "Paris"),
    ];

    private static SentencePieceTextTokenizer Spm(string model) => new(Fixtures.Dir("spm", model + ".model"));

    [TestCase("gemma_like")]
    [TestCase("llama_like")]
    public void SentencePiecePositionsPointAtSeparatorsOutputsAndTheAnswer(string model)
    {
        var tok = Spm(model);
        var b = new PromptBuilder(tok);
        // Found by tokenizing: the token " ->" adds after a word.
        var hot = tok.Encode("hot", false);
        var hotSep = tok.Encode("hot ->", false);
        Assert.That(hotSep.Take(hot.Count), Is.EqualTo(hot));
        Assert.That(hotSep.Skip(hot.Count), Is.EqualTo(new[] { b.SeparatorId }));

        var demos = Words[..5];
        var query = Words[5];
        var p = b.Icl("words", demos, query);
        string text = "Follow the pattern:\n" + string.Concat(demos.Select(d => $"{d.Item1} -> {d.Item2}\n")) + "France ->";
        Assert.That(p.Ids, Is.EqualTo(tok.Encode(text, true)));
        Assert.That(p.Separators, Has.Length.EqualTo(6));
        Assert.That(p.Separators.Select(s => p.Ids[s]), Is.All.EqualTo(b.SeparatorId));
        Assert.That(p.Ids.Count(id => id == b.SeparatorId), Is.EqualTo(6), "no other token is the separator");
        Assert.That(p.LastSeparator, Is.EqualTo(p.Ids.Length - 1));
        // Each separator follows its input, each output's tokens sit between its separator and the newline.
        for (int k = 0; k < 6; k++)
            Assert.That(tok.Decode(p.Ids[..p.Separators[k]]), Does.EndWith(Words[k].Item1));
        Assert.That(p.OutputEnds, Has.Length.EqualTo(5));
        int newline = tok.Encode("hot\n", false)[hot.Count];
        for (int k = 0; k < 5; k++)
        {
            Assert.That(p.Ids[p.OutputEnds[k] + 1], Is.EqualTo(newline));
            Assert.That(tok.Decode(p.Ids[(p.Separators[k] + 1)..(p.OutputEnds[k] + 1)]).Trim(), Is.EqualTo(Words[k].Item2));
        }
        // The answer is the continuation " Paris" tokenized after the prompt: its first two tokens.
        var withAnswer = tok.Encode(text + " Paris", true);
        Assert.That(withAnswer.Take(p.Ids.Length), Is.EqualTo(p.Ids));
        Assert.That(withAnswer.Count - p.Ids.Length, Is.GreaterThanOrEqualTo(2), "the fixture answer should span two tokens or more");
        Assert.That(p.Answer, Is.EqualTo(withAnswer.Skip(p.Ids.Length).Take(2)));
        Assert.That("Paris", Does.StartWith(tok.Decode(p.Answer).Trim()));

        var z = b.ZeroShot("words", ("child", "children"));
        Assert.That(z.Ids, Is.EqualTo(tok.Encode("Follow the pattern:\nchild ->", true)));
        Assert.That(z.Separators, Is.EqualTo(new[] { z.Ids.Length - 1 }));
        Assert.That(z.Answer, Is.EqualTo(tok.Encode("Follow the pattern:\nchild -> children", true).Skip(z.Ids.Length).Take(2)));

        var d = b.OneShot("words", ("big", "small"));
        Assert.That(d.Ids, Is.EqualTo(tok.Encode("Follow the pattern:\nX -> Y\nbig ->", true)));
        Assert.That(d.SteerPosition, Is.EqualTo(d.OutputEnds[0]));
        Assert.That(tok.Decode(d.Ids[(d.Separators[0] + 1)..(d.SteerPosition + 1)]).Trim(), Is.EqualTo("Y"));
        Assert.That(d.Ids[d.SteerPosition + 1], Is.EqualTo(newline));
        Assert.That(z.SteerPosition, Is.EqualTo(z.LastSeparator));
    }

    [Test]
    public void OrganismPromptsEqualOrganismPromptsTokenForToken()
    {
        var b = new PromptBuilder(OrganismWorld.Tokenizer(), OrganismFolder.Manifest.Prompts());
        Assert.That(b.SeparatorId, Is.EqualTo(W.Arrow));
        var tasks = OrganismTasks.All();
        var train = W.Tasks[0].Items(WordSplit.Train).ToArray();
        foreach (var t in W.Tasks)
        {
            var task = tasks[t.Index];
            (string, string) Pair((int c, int i) x) => task.Pairs[16 * x.c + x.i];
            var demos = train.Skip(t.Index).Take(19).ToArray();
            foreach (var q in new[] { train[^1], W.Tasks[0].Items(WordSplit.Unseen).ToArray()[2], W.Tasks[0].Items(WordSplit.TextOnly).ToArray()[5] })
            {
                var want = OrganismPrompts.Icl(t, q, demos);
                var got = b.Icl(t.Name, demos.Select(Pair).ToArray(), Pair(q));
                Assert.That(got.Ids, Is.EqualTo(want.Ids), t.Name);
                Assert.That(got.Separators, Is.EqualTo(want.Separators), t.Name);
                Assert.That(got.Answer, Is.EqualTo(want.Answer), t.Name);
                Assert.That(got.OutputEnds, Is.EqualTo(want.Separators[..^1].Select(s => s + 1)), t.Name);
                var zero = b.ZeroShot(t.Name, Pair(q));
                var wantZero = OrganismPrompts.Icl(t, q, []);
                Assert.That((zero.Ids, zero.Separators, zero.Answer), Is.EqualTo((wantZero.Ids, wantZero.Separators, wantZero.Answer)), t.Name);
            }
        }
    }

    [Test]
    public void SeparatorMergedWithItsNeighboursIsAnErrorNamingTaskAndPair()
    {
        // A tokenizer with a " -> " token: the separator swallows the space before the output.
        var b = new PromptBuilder(new GreedyTokenizer(" ->", " -> "), OrganismFolder.Manifest.Prompts());
        var e = Assert.Throws<InvalidOperationException>(() => b.Icl("merging", [("a", "b")], ("c", "d")))!;
        Assert.That(e.Message, Does.Contain("task merging, demonstration 0 (input \"a\")").And.Contain("separator"));
        var z = Assert.Throws<InvalidOperationException>(() => b.ZeroShot("merging", ("c", "d")))!;
        Assert.That(z.Message, Does.Contain("task merging, the query (input \"c\")").And.Contain("merges with the separator"));
        // Without the merging token the same prompt is fine.
        var ok = new PromptBuilder(new GreedyTokenizer(" ->"), OrganismFolder.Manifest.Prompts()).Icl("merging", [("a", "b")], ("c", "d"));
        Assert.That(ok.Separators, Is.EqualTo(new[] { 2, 7 }));
    }

    private static IclTask Organism(string name) => OrganismTasks.All().Single(t => t.Name == name);

    [Test]
    public void CorruptedPromptsKeepInputsAndOutputsButNotTheMapping()
    {
        var b = new PromptBuilder(OrganismWorld.Tokenizer(), OrganismFolder.Manifest.Prompts());
        var tp = b.Build(Organism("antonym"));
        Assert.That(tp.Corrupted, Has.Count.EqualTo(16));
        for (int n = 0; n < tp.Icl.Count; n++)
        {
            Prompt clean = tp.Icl[n], bad = tp.Corrupted[n];
            Assert.That(bad.Separators, Is.EqualTo(clean.Separators));
            Assert.That(bad.Answer, Is.EqualTo(clean.Answer));
            var outPos = clean.Separators[..^1].Select(s => s + 1).ToHashSet();
            for (int i = 0; i < clean.Ids.Length; i++)
                if (!outPos.Contains(i)) Assert.That(bad.Ids[i], Is.EqualTo(clean.Ids[i]), $"prompt {n}, token {i} is not an output");
            var cleanOut = outPos.Order().Select(i => clean.Ids[i]).ToArray();
            var badOut = outPos.Order().Select(i => bad.Ids[i]).ToArray();
            Assert.That(badOut, Is.EquivalentTo(cleanOut), "the same outputs");
            // antonym is a bijection: a derangement leaves no demonstration with its own output.
            Assert.That(badOut.Zip(cleanOut).Count(x => x.First == x.Second), Is.Zero, $"prompt {n}");
        }
    }

    [Test]
    public void SetsAreDisjointTrainOnlyAndSized()
    {
        var b = new PromptBuilder(OrganismWorld.Tokenizer(), OrganismFolder.Manifest.Prompts() with { Shots = 19 });   // METHOD.md's shots
        var task = Organism("successor");
        var tp = b.Build(task);
        Assert.That((tp.Icl.Count, tp.Clean.Count, tp.Eval.Count, tp.CleanOneShot.Count, tp.EvalOneShot.Count), Is.EqualTo((16, 24, 32, 24, 32)));
        Assert.That(tp.DemoPairs, Has.Count.EqualTo(96 - 56));
        var all = tp.DemoPairs.Concat(tp.CleanPairs).Concat(tp.EvalPairs).ToArray();
        Assert.That(all.Select(i => task.Pairs[i].Input), Is.Unique);
        Assert.That(all.Select(i => task.Splits![i]), Is.All.EqualTo("train"));
        var tok = OrganismWorld.Tokenizer();
        int Id(string w) => tok.Encode(w, false).Single();
        var demoInputs = tp.DemoPairs.Select(i => Id(task.Pairs[i].Input)).ToHashSet();
        foreach (var p in tp.Icl)
        {
            Assert.That(p.Separators, Has.Length.EqualTo(20));
            Assert.That(p.Separators.Select(s => p.Ids[s - 1]), Is.Unique.And.All.Matches<int>(demoInputs.Contains));
        }
        Assert.That(tp.Clean.Select(p => p.Ids[^2]), Is.EqualTo(tp.CleanPairs.Select(i => Id(task.Pairs[i].Input))));
        Assert.That(tp.Eval.Select(p => p.Ids[^2]), Is.EqualTo(tp.EvalPairs.Select(i => Id(task.Pairs[i].Input))));
        Assert.That(tp.Eval.Select(p => p.Answer.Single()), Is.EqualTo(tp.EvalPairs.Select(i => Id(task.Pairs[i].Output))));
        Assert.That(tp.EvalOneShot.Select(d => d.Ids[^2]), Is.EqualTo(tp.EvalPairs.Select(i => Id(task.Pairs[i].Input))));
        Assert.That(tp.EvalOneShot.Select(d => d.Ids[1]), Is.All.EqualTo(Id(b.Options.DetectorExample.Input)));
        Assert.That(tp.EvalOneShot.Select(d => d.SteerPosition), Is.All.EqualTo(3));
    }

    [Test]
    public void DuplicateInputsNeverCrossSets()
    {
        // 40 distinct inputs, each twice: 19 shots + 1 leave 20 for evaluation and cleaning, shrunk in proportion.
        var pairs = Enumerable.Range(0, 80).Select(i => ($"w{i % 40}", $"v{i % 40}")).ToArray();
        var task = new IclTask("dups", pairs, "test");
        var tp = new PromptBuilder(new GreedyTokenizer(" ->")).Build(task);
        Assert.That((tp.EvalPairs.Count, tp.CleanPairs.Count, tp.DemoPairs.Count), Is.EqualTo((11, 9, 20)));
        var all = tp.DemoPairs.Concat(tp.CleanPairs).Concat(tp.EvalPairs).ToArray();
        Assert.That(all.Select(i => pairs[i].Item1), Is.Unique);
        Assert.That(all, Is.All.LessThan(40), "the first occurrence of each input");
        var tooFew = new IclTask("few", pairs[..21], "test");
        Assert.That(Assert.Throws<ArgumentException>(() => new PromptBuilder(new GreedyTokenizer(" ->")).Build(tooFew))!.Message,
            Does.Contain("task few has 21 usable distinct inputs").And.Contain("at least 22"));
    }

    [Test]
    public void DeterministicUnderTheSeed()
    {
        var tok = OrganismWorld.Tokenizer();
        var task = Organism("plural");
        TaskPrompts Run(int seed) => new PromptBuilder(tok, OrganismFolder.Manifest.Prompts() with { Seed = seed }).Build(task);
        static IEnumerable<int[]> Ids(TaskPrompts t) => t.Icl.Concat(t.Corrupted).Concat(t.Clean).Concat(t.Eval).Select(p => p.Ids);
        var a = Run(7);
        var again = Run(7);
        Assert.That(Ids(again), Is.EqualTo(Ids(a)));
        Assert.That(again.EvalPairs, Is.EqualTo(a.EvalPairs));
        Assert.That(Ids(Run(8)), Is.Not.EqualTo(Ids(a)));
        Assert.That(Run(8).EvalPairs, Is.Not.EqualTo(a.EvalPairs));
        // The same in every process (no randomised string hashing): pinned values from one run.
        Assert.That(string.Join(",", Run(0).EvalPairs.Take(6)), Is.EqualTo(string.Join(",", GoldenEvalPairs)));
    }

    private static readonly int[] GoldenEvalPairs = [2, 8, 9, 11, 16, 18];

    [TestCase("gemma_like")]
    [TestCase("llama_like")]
    public void RealTasksBuildWithSentencePiece(string model)
    {
        string dir = Fixtures.SharedData("icl_task_vectors/data");
        var b = new PromptBuilder(Spm(model), new PromptOptions { Shots = 5 });
        foreach (var name in new[] { "antonyms", "en_es" })
        {
            var task = TaskLoader.Load(Path.Combine(dir, name == "antonyms" ? "linguistic" : "translation", name + ".json")).Single();
            var tp = b.Build(task, iclPrompts: 4, cleanPrompts: 4, evalPrompts: 4);
            foreach (var p in tp.Icl.Concat(tp.Corrupted).Concat(tp.Eval))
            {
                Assert.That(p.Separators.Select(s => p.Ids[s]), Is.All.EqualTo(b.SeparatorId));
                Assert.That(p.Answer, Has.Length.InRange(1, 2));
            }
        }
    }
}

/// <summary>Greedy longest-match over single characters and the given multi-character tokens: a tokenizer whose merges a test controls.</summary>
internal sealed class GreedyTokenizer(params string[] multi) : ITextTokenizer
{
    private readonly List<string> _vocab = ["<bos>", .. multi];
    public int BosId => 0;
    public int VocabSize => _vocab.Count;

    public IReadOnlyList<int> Encode(string text, bool addBos)
    {
        var ids = new List<int>();
        if (addBos) ids.Add(0);
        for (int i = 0; i < text.Length;)
        {
            string piece = multi.Where(m => string.CompareOrdinal(text, i, m, 0, m.Length) == 0).MaxBy(m => m.Length) ?? text[i].ToString();
            int id = _vocab.IndexOf(piece);
            if (id < 0) { id = _vocab.Count; _vocab.Add(piece); }
            ids.Add(id);
            i += piece.Length;
        }
        return ids;
    }

    public string Decode(IEnumerable<int> ids) => string.Concat(ids.Where(i => i != 0).Select(i => _vocab[i]));
}
