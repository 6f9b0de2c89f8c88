using NativeTV.Kernels;
using Spectre.Console;

namespace NativeTV.Host.Cli;

/// <summary>`--profile`: the per-op table of a <see cref="ProfilingBackend"/>, most expensive op first.</summary>
public static class ProfileTable
{
    /// <summary>Calls and milliseconds divided by <paramref name="runs"/> (per step of a bench; 1 for a whole command), with each op's share.</summary>
    public static void Write(ProfilingBackend prof, int runs, string caption)
    {
        var t = TextTable.Create("op", "calls", "ms", "share");
        double total = prof.Report().Sum(r => r.Ms);
        foreach (var (op, calls, ms) in prof.Report())
            t.AddText(op, $"{calls / (double)runs:F0}", $"{ms / runs:F2}", $"{ms / total:P1}");
        AnsiConsole.Write(t.Caption(caption));
    }
}
