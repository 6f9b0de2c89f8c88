namespace NativeTV.Kernels.Cpu;

/// <summary>
/// Gives OpenBLAS the best kernel set for this CPU before any work. OpenBLAS reads OPENBLAS_CORETYPE
/// once, as it loads, and the only way to know whether it will fall back to generic kernels is to load
/// it and ask (predicting it would mean copying its table of CPU models, stale with every release). So:
/// load, read the core, and when <see cref="BlasCoreChoice"/> finds a better one, re-run the process
/// with OPENBLAS_CORETYPE set; the new process checks the core with <see cref="BlasCheck"/> and, should
/// it compute wrong results, warns and re-runs once more with the library's own choice.
/// </summary>
public static class BlasCoreSetup
{
    /// <summary>Set in the re-run process: "core:libraryCore", the core nativetv chose and the one OpenBLAS had picked.</summary>
    public const string ChosenVariable = "NATIVETV_BLAS_CHOSEN";
    /// <summary>Set in the process re-run after a chosen core failed its check: that core, never to be chosen again.</summary>
    public const string RejectedVariable = "NATIVETV_BLAS_REJECTED";
    /// <summary>Test hook: the core to choose instead of <see cref="BlasCoreChoice"/>'s (a user's OPENBLAS_CORETYPE still wins).</summary>
    public const string TestChoiceVariable = "NATIVETV_BLAS_TEST_CORE";
    public const string CoreTypeVariable = "OPENBLAS_CORETYPE";

    /// <summary>Call first thing in Main, before anything is printed: it may replace the process by a copy of itself.</summary>
    public static void Apply()
    {
        if (!OpenBlas.Available || Environment.GetEnvironmentVariable(RejectedVariable) != null) return;
        if (Environment.GetEnvironmentVariable(ChosenVariable) is { } chosen)
        {
            string core = chosen.Split(':')[0];
            string? problem = !string.Equals(OpenBlas.CoreName, core, StringComparison.OrdinalIgnoreCase)
                ? $"is not one {BlasInfo.Current!.Library} knows (it loaded {OpenBlas.CoreName})"
                : BlasCheck.Disagreement() is { } d ? $"computes wrong results here: {d}" : null;
            if (problem == null) return;
            Console.Error.WriteLine($"warning: OpenBLAS kernel set {core} {problem}; using the library's own choice");
            string failure = SelfExec.Run(new Dictionary<string, string?> { [CoreTypeVariable] = null, [ChosenVariable] = null, [RejectedVariable] = core });
            // Never go on computing with kernels known to be wrong.
            Console.Error.WriteLine($"error: could not re-run without {CoreTypeVariable}={core} ({failure})");
            Environment.Exit(1);
        }
        string? user = Environment.GetEnvironmentVariable(CoreTypeVariable);
        string? better = string.IsNullOrEmpty(user) && Environment.GetEnvironmentVariable(TestChoiceVariable) is { } test
            ? test : BlasCoreChoice.Better(user, OpenBlas.CoreName, CpuIsa.Current);
        if (better == null) return;
        string reason = SelfExec.Run(new Dictionary<string, string?> { [CoreTypeVariable] = better, [ChosenVariable] = $"{better}:{OpenBlas.CoreName}" });
        Console.Error.WriteLine($"warning: could not re-run with {CoreTypeVariable}={better} ({reason}); OpenBLAS keeps its {OpenBlas.CoreName} kernels");
    }
}
