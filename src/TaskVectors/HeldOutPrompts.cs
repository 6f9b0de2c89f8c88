namespace NativeTV.TaskVectors;

/// <summary>
/// One held-out word split of a task (the organism's "text-only" and "unseen"): zero-shot prompts whose queries are the
/// split's words, one per distinct input in file order, and ICL prompts with the same queries and demonstrations from the
/// task's demonstration pool (train words), the in-context reference.
/// </summary>
public sealed record HeldOutPrompts(string Split, IReadOnlyList<int> Pairs, IReadOnlyList<Prompt> ZeroShot, IReadOnlyList<Prompt> Icl)
{
    /// <summary>The builder's random stream the ICL demonstrations draw from (after <see cref="SpecificityPrompts.Stream"/>).</summary>
    public const int Stream = 4;

    /// <summary>
    /// Every split of <paramref name="t"/>'s task other than <see cref="IclTask.TrainSplit"/>, in ordinal order; none for a task
    /// without splits. An input that also appears in the train split is not held out and is left out.
    /// </summary>
    public static IReadOnlyList<HeldOutPrompts> Build(PromptBuilder b, TaskPrompts t)
    {
        var task = t.Task;
        var rng = b.Rng(task.Name, Stream);
        return Queries(task).Select(s =>
        {
            try
            {
                return new HeldOutPrompts(s.Split, s.Pairs, s.Pairs.Select(q => b.ZeroShot(task.Name, task.Pairs[q])).ToList(),
                    s.Pairs.Select(q => b.IclFrom(task, q, [t.DemoPairs], rng)).ToList());
            }
            catch (InvalidOperationException e) { throw new TaskFileException(task.Source, $"task {task.Name}, split {s.Split}: {e.Message}"); }
        }).ToList();
    }

    /// <summary>The query pairs of each held-out split, as <see cref="Build"/> takes them (no tokenizer needed): splits without any are left out.</summary>
    public static IReadOnlyList<(string Split, int[] Pairs)> Queries(IclTask task)
    {
        if (task.Splits is not { } splits) return [];
        var train = task.UsablePairs().Select(i => task.Pairs[i].Input).ToHashSet(StringComparer.Ordinal);
        return splits.OfType<string>().Where(s => s != IclTask.TrainSplit).Distinct().Order(StringComparer.Ordinal).Select(split =>
            (split, Enumerable.Range(0, task.Pairs.Count).Where(i => splits[i] == split && !train.Contains(task.Pairs[i].Input))
                .DistinctBy(i => task.Pairs[i].Input, StringComparer.Ordinal).ToArray())).Where(s => s.Item2.Length > 0).ToList();
    }
}
