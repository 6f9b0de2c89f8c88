namespace NativeTV.TaskVectors;

/// <summary>
/// All prompts of one task, from disjoint sets of its inputs so that nothing used to build or clean a vector
/// is evaluated on: ICL prompts (demonstrations and queries from <see cref="DemoPairs"/>) with their
/// corrupted twins (same pairs, outputs shuffled), zero-shot cleaning (training) prompts and zero-shot
/// evaluation prompts, plus one-shot detector prompts over the same cleaning and evaluation queries.
/// Pair lists are indices into <see cref="IclTask.Pairs"/>.
/// </summary>
public sealed record TaskPrompts(
    IclTask Task,
    IReadOnlyList<Prompt> Icl,
    IReadOnlyList<Prompt> Corrupted,
    IReadOnlyList<Prompt> Clean,
    IReadOnlyList<Prompt> Eval,
    IReadOnlyList<Prompt> CleanOneShot,
    IReadOnlyList<Prompt> EvalOneShot,
    IReadOnlyList<int> DemoPairs,
    IReadOnlyList<int> CleanPairs,
    IReadOnlyList<int> EvalPairs);
