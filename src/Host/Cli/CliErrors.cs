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
            AnsiConsole.Console.Profile.Out.Writer.Flush();
            Console.Error.WriteLine($"error: {e.Message}");
            if (Environment.GetEnvironmentVariable("NATIVETV_DEBUG") == "1") Console.Error.WriteLine(e);
            return 1;
        }
    }
}
