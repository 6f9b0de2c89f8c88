namespace NativeTV.TaskVectors;

/// <summary>
/// An in-context-learning task (METHOD.md §1): its (input, output) pairs in file order, duplicates kept,
/// and where it came from. <see cref="Splits"/>, when present, holds each pair's held-out split (the
/// organism's files record "train", "text-only" or "unseen"), so prompts can draw queries from one split.
/// </summary>
public sealed record IclTask(string Name, IReadOnlyList<(string Input, string Output)> Pairs, string Source, IReadOnlyList<string?>? Splits = null)
{
    /// <summary>The split that prompts draw their pairs from when a task has splits.</summary>
    public const string TrainSplit = "train";

    public IReadOnlyList<string?>? Splits { get; init; } = Splits is null || Splits.Count == Pairs.Count ? Splits
        : throw new ArgumentException($"task {Name}: {Splits.Count} splits for {Pairs.Count} pairs", nameof(Splits));

    /// <summary>Indices of the pairs prompts may use: all of them, or those of <see cref="TrainSplit"/> when the task has splits.</summary>
    public IReadOnlyList<int> UsablePairs() => Splits is null
        ? Enumerable.Range(0, Pairs.Count).ToArray()
        : Enumerable.Range(0, Pairs.Count).Where(i => Splits[i] == TrainSplit).ToArray();
}
