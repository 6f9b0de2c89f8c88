namespace NativeTV.TaskVectors;

/// <summary>
/// How ICL prompts are written (METHOD.md §1): <c>BOS + Prefix + "x1" + Separator + " y1" + PairDelimiter +
/// ... + "xq" + Separator</c>, scored on the first <see cref="NFirst"/> answer tokens. Every default is the
/// authors'; a model folder's <see cref="ModelManifest"/> may change them (the organism writes no prefix).
/// </summary>
public sealed record PromptOptions
{
    public string Prefix { get; init; } = "Follow the pattern:\n";
    /// <summary>Separator text; its token is found by tokenizing, never hard-coded.</summary>
    public string Separator { get; init; } = " ->";
    public string PairDelimiter { get; init; } = "\n";
    /// <summary>Demonstrations per ICL prompt.</summary>
    public int Shots { get; init; } = 19;
    /// <summary>Answer tokens kept in <see cref="Prompt.Answer"/> (the metric's n_first).</summary>
    public int NFirst { get; init; } = 2;
    public int Seed { get; init; } = 0;
    /// <summary>The one-shot detector prompts' generic example, "X -> Y" literally (METHOD.md §7).</summary>
    public (string Input, string Output) DetectorExample { get; init; } = ("X", "Y");
}
