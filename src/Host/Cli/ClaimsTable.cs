using NativeTV.TaskVectors.Runs;
using Spectre.Console;

namespace NativeTV.Host.Cli;

/// <summary>The claims one command decided (its part of claims.json), as a console table: claim, verdict, value and interval.</summary>
public static class ClaimsTable
{
    public static void Write(string runDir, string part)
    {
        if (Claims.Read(runDir)?.Where(c => c.Part == part).ToList() is not { Count: > 0 } claims) return;
        var t = TextTable.Create("claim", "verdict", "value [95% interval]");
        foreach (var c in claims) t.AddText(c.Name, c.Verdict, $"{c.Value:0.###} [{c.Ci95[0]:0.###}, {c.Ci95[1]:0.###}]");
        AnsiConsole.Write(t.Caption($"the post's claims on this run ({Claims.FileName} has each rule)"));
    }
}
