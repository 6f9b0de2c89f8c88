using NativeTV.Transformer.Checkpoints;
using NativeTV.TaskVectors.Steering;
using Spectre.Console;

namespace NativeTV.Host.Cli;

/// <summary>Turns the errors a user can cause (bad files, bad arguments) into one clear line and exit code 1.</summary>
public static class CliErrors
{
    public static int Run(Func<int> action)
    {
        try { return action(); }
        catch (Exception e) when (e is CheckpointException or ArgumentException or IOException or InvalidOperationException or FormatException or KeyNotFoundException or UnauthorizedAccessException or OptimizationDivergedException)
        {
            Report([e.Message]);
            if (Environment.GetEnvironmentVariable("NATIVETV_DEBUG") == "1") Console.Error.WriteLine(e);
            return 1;
        }
    }

    /// <summary>Prints each message as one `error: ...` line; exit code 1.</summary>
    public static int Report(IEnumerable<string> messages)
    {
        AnsiConsole.Console.Profile.Out.Writer.Flush();
        foreach (var m in messages) Console.Error.WriteLine($"error: {m}");
        return 1;
    }
}
