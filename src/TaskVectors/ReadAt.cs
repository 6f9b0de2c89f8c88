namespace NativeTV.TaskVectors;

/// <summary>Positions of a prompt where residuals are read.</summary>
public static class ReadAt
{
    /// <summary>Every separator (task vectors, METHOD.md §2).</summary>
    public static IEnumerable<int> Separators(Prompt p) => p.Separators;
    /// <summary>Only the last separator (Hendel et al.).</summary>
    public static IEnumerable<int> LastSeparator(Prompt p) => [p.LastSeparator];
    /// <summary>The last token of each demonstration's output (task detector vectors, METHOD.md §7).</summary>
    public static IEnumerable<int> OutputEnds(Prompt p) => p.OutputEnds;
}
