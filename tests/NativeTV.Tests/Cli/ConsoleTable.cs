namespace NativeTV.Tests.Cli;

/// <summary>The one-line rows of the tables a command printed (Spectre's box drawing), as trimmed cells.</summary>
public static class ConsoleTable
{
    public static List<string[]> Rows(string stdout) =>
        stdout.Split('\n').Where(l => l.StartsWith('│')).Select(l => l.Trim().Trim('│').Split('│').Select(c => c.Trim()).ToArray()).ToList();

    /// <summary>The value cell of the row whose first cell is <paramref name="label"/>.</summary>
    public static string Value(string stdout, string label) =>
        Rows(stdout).FirstOrDefault(r => r[0] == label)?[1] ?? throw new AssertionException($"no row '{label}' in:\n{stdout}");
}
