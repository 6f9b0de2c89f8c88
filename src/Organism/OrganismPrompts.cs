using NativeTV.Kernels;
using NativeTV.TaskVectors;

namespace NativeTV.Organism;

/// <summary>
/// Prompts of the organism's tasks built from token ids (its tokenizer is one token per word, so these are
/// exactly what tokenizing the text gives): ICL `&lt;bos&gt; x1 -> y1 \n ... xq ->`, zero-shot
/// `&lt;bos&gt; xq ->`, corrupted ICL (demonstration outputs shuffled within the prompt) and random-pair prompts.
/// </summary>
public static class OrganismPrompts
{
    /// <summary>The prompt for <paramref name="query"/> after <paramref name="demos"/>, answered by the task's output.</summary>
    public static Prompt Icl(OrganismTask t, (int c, int i) query, IReadOnlyList<(int c, int i)> demos, bool corrupt = false, Random? rng = null)
    {
        var outputs = demos.Select(d => t.OutputId(d.c, d.i)).ToArray();
        if (corrupt) (rng ?? throw new ArgumentException("corrupted prompts need a random generator")).Shuffle(outputs);
        return Build(demos.Select(d => t.InputId(d.c, d.i)).ToArray(), outputs, t.InputId(query.c, query.i), t.OutputId(query.c, query.i));
    }

    /// <summary>`&lt;bos&gt; x1 -> y1 \n ... xq ->` from token ids.</summary>
    public static Prompt Build(IReadOnlyList<int> inputs, IReadOnlyList<int> outputs, int queryInput, int answer)
    {
        var ids = new List<int> { OrganismWorld.Bos };
        var seps = new List<int>();
        for (int k = 0; k < inputs.Count; k++)
        {
            ids.Add(inputs[k]);
            seps.Add(ids.Count);
            ids.AddRange([OrganismWorld.Arrow, outputs[k], OrganismWorld.Newline]);
        }
        ids.Add(queryInput);
        seps.Add(ids.Count);
        ids.Add(OrganismWorld.Arrow);
        return new Prompt(ids.ToArray(), seps.ToArray(), [answer]);
    }

    /// <summary>
    /// ORGANISM.md's corrupted prompts ("random pairs"): the ICL format with demonstrations of random words
    /// (any form, any category) mapped to random words, then the task's query: the format without a task.
    /// </summary>
    public static List<Prompt> RandomPairs(OrganismTask t, int shots, int count, int seed)
    {
        var rng = new Random(Seeds.Mix(seed, 7000 + t.Index));
        var words = Enum.GetValues<WordForm>().SelectMany(f => OrganismWorld.ItemsOf(WordSplit.Train).Select(x => OrganismWorld.WordId(f, x.c, x.i))).ToArray();
        var queries = t.Items(WordSplit.Train).ToArray();
        return Enumerable.Range(0, count).Select(_ =>
        {
            var q = queries[rng.Next(queries.Length)];
            return Build(Enumerable.Range(0, shots).Select(_ => words[rng.Next(words.Length)]).ToArray(),
                Enumerable.Range(0, shots).Select(_ => words[rng.Next(words.Length)]).ToArray(), t.InputId(q.c, q.i), t.OutputId(q.c, q.i));
        }).ToList();
    }

    /// <summary>
    /// <paramref name="count"/> prompts of <paramref name="shots"/> demonstrations on train words, each with
    /// a query drawn from <paramref name="querySplit"/> (distinct from its demonstrations).
    /// </summary>
    public static List<Prompt> Sample(OrganismTask t, int shots, int count, WordSplit querySplit, int seed, bool corrupt = false)
    {
        var rng = new Random(Seeds.Mix(seed, t.Index * 1000 + shots));
        var train = t.Items(WordSplit.Train).ToArray();
        var queries = t.Items(querySplit).ToArray();
        var prompts = new List<Prompt>(count);
        for (int n = 0; n < count; n++)
        {
            var q = queries[rng.Next(queries.Length)];
            var pool = train.Where(x => x != q).ToArray();
            rng.Shuffle(pool);
            prompts.Add(Icl(t, q, pool[..shots], corrupt, rng));
        }
        return prompts;
    }

    /// <summary>One zero-shot prompt per item of <paramref name="split"/>.</summary>
    public static List<Prompt> ZeroShot(OrganismTask t, WordSplit split) => t.Items(split).Select(q => Icl(t, q, [])).ToList();
}
