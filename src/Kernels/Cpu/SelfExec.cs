using System.Collections;
using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Cpu;

/// <summary>
/// Replaces this process by a fresh copy of itself (same program, same arguments, same pid and stdio)
/// with changed environment variables: the only way to change what a native library read from the
/// environment as it loaded, since .NET's Environment.SetEnvironmentVariable never reaches libc's getenv.
/// </summary>
internal static partial class SelfExec
{
    [LibraryImport("libc", EntryPoint = "execve", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int execve(string path, string?[] argv, string?[] envp);

    /// <summary>Returns only when the exec failed, with the reason; <paramref name="changes"/> maps names to values, null to unset.</summary>
    public static string Run(IReadOnlyDictionary<string, string?> changes)
    {
        if (!OperatingSystem.IsLinux()) return "re-running the process is implemented for Linux only";
        // The exact argv this process started with (e.g. "dotnet nativetv.dll bench ..."), unlike Environment.GetCommandLineArgs.
        var argv = File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0');
        var env = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value);
        foreach (var (k, v) in changes) env[k] = v;
        string?[] envp = [.. env.Where(e => e.Value != null).Select(e => $"{e.Key}={e.Value}"), null];
        Console.Out.Flush();
        Console.Error.Flush();
        execve("/proc/self/exe", [.. argv, null], envp);
        return Marshal.GetLastPInvokeErrorMessage();
    }
}
