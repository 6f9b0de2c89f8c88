namespace NativeTV.TaskVectors;

/// <summary>
/// The ICL prompts task specificity is measured on, disjoint from the prompts that built the vectors it scores: a
/// feature's specificity read on the very prompts a task vector was averaged over would favour that vector's features.
/// Each prompt answers one of the task's evaluation queries (never a query of its ICL prompts, so no prompt is shared),
/// its demonstrations drawn from the other evaluation inputs, then, only if those run short, from the cleaning inputs
/// and last the demonstration pool; with enough evaluation inputs (the organism's 32 for 8 shots) no word of the task
/// vector's prompts appears.
/// </summary>
public static class SpecificityPrompts
{
    /// <summary>The builder's random stream these prompts draw from (after <see cref="PromptBuilder.Build"/>'s).</summary>
    public const int Stream = 3;

    /// <summary><paramref name="count"/> prompts of task <paramref name="t"/>, deterministic under the builder's seed.</summary>
    public static IReadOnlyList<Prompt> Build(PromptBuilder b, TaskPrompts t, int count)
    {
        if (t.EvalPairs.Count == 0) throw new ArgumentException($"task {t.Task.Name} has no evaluation queries to measure task specificity on");
        var rng = b.Rng(t.Task.Name, Stream);
        // Queries in a shuffled cycle: distinct while there are enough of them.
        var queries = t.EvalPairs.ToArray();
        rng.Shuffle(queries);
        return Enumerable.Range(0, count).Select(n => b.IclFrom(t.Task, queries[n % queries.Length], [t.EvalPairs, t.CleanPairs, t.DemoPairs], rng)).ToList();
    }
}
