namespace NativeTV.Organism;

/// <summary>
/// The organism's training mixture, generated on the fly: 80% ICL sequences
/// (<c>&lt;bos&gt; x1 -&gt; y1 \n ... x10 -&gt; y10</c>, one task, 10 distinct train words) and 20% text
/// sequences (<c>&lt;bos&gt; x1 &lt;rel&gt; y1 , ...</c>, 10 facts of random tasks on train or text-only words).
/// </summary>
public sealed class OrganismSampler(int seed)
{
    public const int Pairs = 10, Length = 4 * Pairs;
    private const double IclFraction = 0.8;

    private static readonly (int c, int i)[] TrainItems = OrganismWorld.ItemsOf(WordSplit.Train);
    private static readonly (int c, int i)[] TextItems = [.. TrainItems, .. OrganismWorld.ItemsOf(WordSplit.TextOnly)];

    /// <summary>
    /// The batch of step <paramref name="step"/>, a function of (seed, step) alone so a resumed run
    /// draws the same data. A smaller batch of the same step is a prefix of a larger one.
    /// </summary>
    public OrganismSequence[] Batch(long step, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        // new Random(int) is the seeded legacy generator, whose sequence .NET keeps stable across versions.
        var rng = new Random(StepSeed(seed, step));
        var batch = new OrganismSequence[batchSize];
        for (int b = 0; b < batchSize; b++) batch[b] = rng.NextDouble() < IclFraction ? Icl(rng) : Text(rng);
        return batch;
    }

    private static OrganismSequence Icl(Random rng)
    {
        var task = OrganismWorld.Tasks[rng.Next(OrganismWorld.Tasks.Length)];
        var pool = (ReadOnlySpan<(int c, int i)>)TrainItems;
        Span<int> order = stackalloc int[pool.Length];
        for (int k = 0; k < order.Length; k++) order[k] = k;
        var facts = new (OrganismTask, (int c, int i))[Pairs];
        // Partial Fisher-Yates: the first Pairs entries of order are distinct uniform draws.
        for (int k = 0; k < Pairs; k++)
        {
            int j = rng.Next(k, order.Length);
            (order[k], order[j]) = (order[j], order[k]);
            facts[k] = (task, pool[order[k]]);
        }
        return Build(facts, OrganismWorld.Newline, relation: false);
    }

    private static OrganismSequence Text(Random rng)
    {
        var facts = new (OrganismTask, (int c, int i))[Pairs];
        for (int k = 0; k < Pairs; k++)
            facts[k] = (OrganismWorld.Tasks[rng.Next(OrganismWorld.Tasks.Length)], TextItems[rng.Next(TextItems.Length)]);
        return Build(facts, OrganismWorld.Comma, relation: true);
    }

    /// <summary><c>&lt;bos&gt; x1 op1 y1 sep x2 op2 y2 ...</c>, op being <c>-&gt;</c> or the fact's relation token.</summary>
    private static OrganismSequence Build((OrganismTask Task, (int c, int i) Item)[] facts, int separator, bool relation)
    {
        var ids = new int[Length];
        var answers = new int[Pairs];
        int p = 0;
        ids[p++] = OrganismWorld.Bos;
        for (int k = 0; k < facts.Length; k++)
        {
            var (t, (c, i)) = facts[k];
            if (k > 0) ids[p++] = separator;
            ids[p++] = t.InputId(c, i);
            ids[p++] = relation ? t.RelationId : OrganismWorld.Arrow;
            answers[k] = p;
            ids[p++] = t.OutputId(c, i);
        }
        return new OrganismSequence(ids, answers);
    }

    /// <summary>SplitMix64 finaliser over (seed, step): neighbouring steps and seeds get unrelated generators.</summary>
    private static int StepSeed(int seed, long step)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)step;
        for (int r = 0; r < 2; r++)
        {
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
        }
        return (int)(z >> 32);
    }
}
