using NativeTV.Transformer.Tokenization;

namespace NativeTV.Transformer.TaskVectors;

/// <summary>
/// How ICL prompts are written (METHOD.md §1): <c>BOS + Prefix + "x1" + Separator + " y1" + PairDelimiter +
/// ... + "xq" + Separator</c>, scored on the first <see cref="NFirst"/> answer tokens. Every default is the
/// authors'; the organism writes no prefix (<see cref="Organism"/>).
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

    /// <summary>The organism's prompts: no prefix (its sequences start with the first pair).</summary>
    public static PromptOptions Organism => new() { Prefix = "", DetectorExample = (",", ",") };

    /// <summary>
    /// The pipeline's defaults for a model: for the organism's word-level tokenizer no prefix and 8 shots (it was
    /// trained on 10-pair sequences, so 19 shots would be out of its distribution); METHOD.md's otherwise.
    /// </summary>
    public static PromptOptions For(ITextTokenizer tokenizer) => tokenizer is NativeTV.Transformer.Organism.OrganismTokenizer ? Organism with { Shots = 8 } : new();
}
