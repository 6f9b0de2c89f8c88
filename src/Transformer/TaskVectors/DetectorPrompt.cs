namespace NativeTV.Transformer.TaskVectors;

/// <summary>
/// A one-shot prompt <c>Prefix + "X -> Y\nx ->"</c> for task detector features (METHOD.md §7): the detector
/// vector is added at <see cref="ReadPosition"/>, the last token of " Y", where it is read in ICL prompts.
/// </summary>
public sealed record DetectorPrompt(Prompt Prompt, int ReadPosition);
