using System.Diagnostics;
using NativeTV.Host.Cli;

namespace NativeTV.Tests.Examples;

/// <summary>
/// Every program in examples/ runs (dotnet run FILE.cs, NATIVETV_QUICK=1: small prompt sets, three tasks, five cleaning
/// steps) and prints its table, so none can rot. One test runs them in sequence: each compiles once (the library is
/// already built by then), and failures name the file with its output.
/// </summary>
public class ExamplesTests
{
    private static readonly (string File, string Expect)[] Programs =
    [
        ("task_vector.cs", "+ task vector"), ("baseline.cs", "tv_minus_random_pairs"), ("cleaning.cs", "cleaned, sqrt"),
        ("feature.cs", "top activating tokens"), ("hook.cs", "ablated"), ("tour.cs", "tour done"),
    ];

    [Test]
    public void EveryExampleRunsAndPrintsItsTable()
    {
        string dir = Path.Combine(Path.GetDirectoryName(BuiltInModel.Path)!, "..", "examples");
        Assert.That(Directory.GetFiles(dir, "*.cs").Select(Path.GetFileName), Is.EquivalentTo(Programs.Select(p => p.File)), "a new example needs a line here");
        foreach (var (file, expect) in Programs)
        {
            var psi = new ProcessStartInfo("dotnet", ["run", file]) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["NATIVETV_QUICK"] = "1";
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            Assert.That(p.WaitForExit(TimeSpan.FromMinutes(5)), $"{file} did not finish in 5 minutes");
            Assert.That(p.ExitCode, Is.EqualTo(0), $"{file} failed:\n{stdout}\n{stderr.Result}");
            Assert.That(stdout, Does.Contain(expect), $"{file} printed:\n{stdout}");
        }
    }
}
