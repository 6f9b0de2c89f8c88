using NativeTV.Transformer.TaskVectors;

namespace NativeTV.Transformer.Organism;

/// <summary>
/// Prompts of the organism's tasks built from token ids (its tokenizer is one token per word, so these are
/// exactly what tokenizing the text gives): ICL `&lt;bos&gt; x1 -> y1 \n ... xq ->`, zero-shot
/// `&lt;bos&gt; xq ->` and corrupted ICL (demonstration outputs shuffled within the prompt).
/// </summary>
public static class OrganismPrompts
{
    /// <summary>The prompt for <paramref name="query"/> after <paramref name="demos"/>, answered by the task's output.</summary>
    public static Prompt Icl(OrganismTask t, (int c, int i) query, IReadOnlyList<(int c, int i)> demos, bool corrupt = false, Random? rng = null)
    {
        var outputs = demos.Select(d => t.OutputId(d.c, d.i)).ToArray();
        if (corrupt) (rng ?? throw new ArgumentException("corrupted prompts need a random generator")).Shuffle(outputs);
        var ids = new List<int> { OrganismWorld.Bos };
        var seps = new List<int>();
        for (int k = 0; k < demos.Count; k++)
        {
            ids.Add(t.InputId(demos[k].c, demos[k].i));
            seps.Add(ids.Count);
            ids.AddRange([OrganismWorld.Arrow, outputs[k], OrganismWorld.Newline]);
        }
        ids.Add(t.InputId(query.c, query.i));
        seps.Add(ids.Count);
        ids.Add(OrganismWorld.Arrow);
        return new Prompt(ids.ToArray(), seps.ToArray(), [t.OutputId(query.c, query.i)]);
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
