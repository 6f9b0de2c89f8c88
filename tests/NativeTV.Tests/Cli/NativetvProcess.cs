using System.Diagnostics;

namespace NativeTV.Tests.Cli;

/// <summary>Runs the real `nativetv` program (built next to the tests) as a user would.</summary>
public static class NativetvProcess
{
    public static (int Exit, string Out, string Err) Run(params string[] args) => Run(new Dictionary<string, string?>(), args);

    /// <summary>With environment variables set (or removed, when null) for this run.</summary>
    public static (int Exit, string Out, string Err) Run(IReadOnlyDictionary<string, string?> env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(TestContext.CurrentContext.TestDirectory, "nativetv.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        foreach (var (k, v) in env) { if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v; }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(300_000)) { p.Kill(); throw new TimeoutException("nativetv " + string.Join(" ", args)); }
        return (p.ExitCode, stdout.Result, stderr);
    }
}
