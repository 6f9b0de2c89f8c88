using System.Text.RegularExpressions;
using NativeTV.Kernels.Cpu;

namespace NativeTV.Tests.Cli;

/// <summary>
/// The BLAS line of `info` and `bench`, and the kernel-set choice end to end in a real process: on this
/// machine OpenBLAS knows the CPU, so the test hook forces the choice that a generic fallback would get.
/// </summary>
public class BlasCommandTests
{
    private static readonly string[] Bench = ["bench", "forward", "--device", "cpu", "--layers", "1", "--d-model", "256", "--vocab", "64", "--dtype", "f32", "--reps", "1", "--tokens", "8"];

    /// <summary>Nothing of the developer's environment decides these tests but what each sets.</summary>
    private static Dictionary<string, string?> Env(params (string Key, string Value)[] set)
    {
        var env = new Dictionary<string, string?>
        {
            [BlasCoreSetup.CoreTypeVariable] = null, [BlasCoreSetup.TestChoiceVariable] = null,
            [BlasCoreSetup.ChosenVariable] = null, [BlasCoreSetup.RejectedVariable] = null,
        };
        foreach (var (k, v) in set) env[k] = v;
        return env;
    }

    /// <summary>The BLAS description in the output, whatever the console's line wrapping did to it.</summary>
    public static Match BlasLine(string stdout) =>
        Regex.Match(Regex.Replace(stdout, @"\s+", " "), @"OpenBLAS (\d+\.\d+\.\d+), (\w+) kernels \((.*?)\), (\d+) threads");

    [Test]
    public void InfoPrintsTheBlas()
    {
        var (exit, stdout, err) = NativetvProcess.Run(Env(), "info", "--model", Models.TinyModels.Write(Models.TinyModels.Phi3LongRope()));
        Assert.That(exit, Is.Zero, err);
        // The value wraps over the table's next rows, which have an empty label.
        var rows = ConsoleTable.Rows(stdout);
        int i = rows.FindIndex(r => r[0] == "BLAS (cpu backend)");
        string value = string.Join(" ", rows.Skip(i).TakeWhile((r, j) => j == 0 || r[0] == "").Select(r => r[1]));
        Assert.That(BlasLine(value).Success, stdout);
    }

    [Test]
    public void AForcedChoiceIsCheckedAndRecorded()
    {
        var (exit, stdout, err) = NativetvProcess.Run(Env((BlasCoreSetup.TestChoiceVariable, "Haswell")), Bench);
        Assert.That(exit, Is.Zero, err);
        var m = BlasLine(stdout);
        Assert.That(m.Groups[2].Value, Is.EqualTo("Haswell"), stdout);
        Assert.That(m.Groups[3].Value, Does.StartWith("chosen by nativetv for this CPU; OpenBLAS picked "));
        Assert.That(err, Is.Empty);
    }

    [Test]
    public void AChoiceTheLibraryRefusesFallsBackWithAWarning()
    {
        var (exit, stdout, err) = NativetvProcess.Run(Env((BlasCoreSetup.TestChoiceVariable, "NoSuchCore")), Bench);
        Assert.That(exit, Is.Zero, err);
        Assert.That(err, Does.StartWith("warning: OpenBLAS kernel set NoSuchCore is not one OpenBLAS"));
        Assert.That(BlasLine(stdout).Groups[3].Value, Is.EqualTo("OpenBLAS's choice; NoSuchCore failed its check"), stdout);
    }

    [Test]
    public void TheUsersCoreTypeAndThreadsWin()
    {
        var env = Env((BlasCoreSetup.CoreTypeVariable, "Nehalem"), (BlasCoreSetup.TestChoiceVariable, "Haswell"), ("OPENBLAS_NUM_THREADS", "2"));
        var (exit, stdout, err) = NativetvProcess.Run(env, [.. Bench, "--threads", "1"]);
        Assert.That(exit, Is.Zero, err);
        var m = BlasLine(stdout);
        Assert.That((m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value), Is.EqualTo(("Nehalem", "set by OPENBLAS_CORETYPE", "1")), stdout);
    }
}
