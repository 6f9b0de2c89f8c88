using Spectre.Console;

namespace NativeTV.Host.Cli;

/// <summary>
/// Whether standard output is a screen someone watches. Spectre's own test reads standard input, so
/// `nativetv sweep > log` typed at a terminal would still count as one and fill the log with redrawn bars.
/// </summary>
public static class Screen
{
    public static bool IsOutput => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
}
