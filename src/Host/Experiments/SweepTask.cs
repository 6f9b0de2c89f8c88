using NativeTV.Transformer.TaskVectors;

namespace NativeTV.Host.Experiments;

/// <summary>One task's prompts for the pipeline: ICL prompts (task vectors and the ICL reference), their corrupted twins, and disjoint zero-shot cleaning and evaluation sets.</summary>
public sealed record SweepTask(string Name, IReadOnlyList<Prompt> Icl, IReadOnlyList<Prompt> Corrupted, IReadOnlyList<Prompt> Clean, IReadOnlyList<Prompt> Eval);
