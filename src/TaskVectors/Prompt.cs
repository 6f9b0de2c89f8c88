namespace NativeTV.TaskVectors;

/// <summary>
/// A tokenized prompt: <see cref="Ids"/> (BOS first) end with the last separator; <see cref="Separators"/>
/// are the positions of every separator token (`->`), and <see cref="Answer"/> the answer's first tokens,
/// which follow the last separator. Steering goes to <see cref="SteerPosition"/>: the last separator unless the
/// prompt names another token (detector prompts steer at their example's output).
/// </summary>
public sealed record Prompt(int[] Ids, int[] Separators, int[] Answer)
{
    private readonly int? _steerAt;

    public int LastSeparator => Separators[^1];

    /// <summary>Where a steering vector is added (and read, for detector vectors): the last separator by default.</summary>
    public int SteerPosition { get => _steerAt ?? LastSeparator; init => _steerAt = value; }

    /// <summary>
    /// Position of the last token of each demonstration's output (the token before its "\n"), where task
    /// detector vectors are read (METHOD.md §7); empty when the builder did not track them.
    /// </summary>
    public int[] OutputEnds { get; init; } = [];
}

/// <summary>
/// A change to resid_pre[Layer] at each prompt's <see cref="Prompt.SteerPosition"/> (its last separator unless it says otherwise): add Scale * Vector, or, with
/// <see cref="Replace"/>, set the residual to Vector (activation patching).
/// </summary>
public sealed record Steer(int Layer, float[] Vector, float Scale = 1f, bool Replace = false);

/// <summary>A prompt's metric (METHOD.md §3): the nll of its first answer tokens, summed, and whether the top-1 prediction of the first is right.</summary>
public readonly record struct PromptScore(double Nll, bool Correct);

/// <summary>Mean nll and first-token accuracy over prompts.</summary>
public readonly record struct ScoreSummary(double Nll, double Accuracy, int Count)
{
    public static ScoreSummary Of(IReadOnlyCollection<PromptScore> s) =>
        new(s.Count == 0 ? double.NaN : s.Average(x => x.Nll), s.Count == 0 ? double.NaN : s.Average(x => x.Correct ? 1.0 : 0.0), s.Count);
}
