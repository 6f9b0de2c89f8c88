namespace NativeTV.TaskVectors;

/// <summary>
/// A task file that cannot be used, reported with the file it is in so a user with a folder of dozens of
/// tasks knows which one to fix. A <see cref="FormatException"/>, so the CLI prints it as one line.
/// </summary>
public sealed class TaskFileException(string file, string problem) : FormatException($"{file}: {problem}")
{
    public string File { get; } = file;
    public string Problem { get; } = problem;
}
