namespace NativeTV.Transformer.Checkpoints;

/// <summary>A problem with a model, SAE or tensor file, reported with the file it is in.</summary>
public sealed class CheckpointException(string file, string problem) : Exception($"{file}: {problem}")
{
    public string File { get; } = file;
    public string Problem { get; } = problem;
}
