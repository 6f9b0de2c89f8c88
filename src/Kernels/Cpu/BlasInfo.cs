namespace NativeTV.Kernels.Cpu;

/// <summary>What runs the CPU backend's GEMMs: library and version, kernel set and why, threads.</summary>
public sealed record BlasInfo(string Library, string Core, string CoreSource, int Threads)
{
    /// <summary>This process's OpenBLAS (loading it), or null when it is not installed.</summary>
    public static BlasInfo? Current
    {
        get
        {
            if (!OpenBlas.Available) return null;
            string core = OpenBlas.CoreName;
            return new(string.Join(' ', OpenBlas.Config.Split(' ').Take(2)), core, SourceOf(core), OpenBlas.Threads);
        }
    }

    private static string SourceOf(string core)
    {
        if (Environment.GetEnvironmentVariable(BlasCoreSetup.ChosenVariable) is { } chosen)
            return $"chosen by nativetv for this CPU; OpenBLAS picked {chosen.Split(':').ElementAtOrDefault(1)}";
        if (Environment.GetEnvironmentVariable(BlasCoreSetup.RejectedVariable) is { } rejected)
            return $"OpenBLAS's choice; {rejected} failed its check";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(BlasCoreSetup.CoreTypeVariable)))
            return $"set by {BlasCoreSetup.CoreTypeVariable}";
        return BlasCoreChoice.Better(null, core, CpuIsa.Current) is { } better
            ? $"OpenBLAS's generic fallback: set {BlasCoreSetup.CoreTypeVariable}={better}"
            : "OpenBLAS's choice";
    }

    public override string ToString() => $"{Library}, {Core} kernels ({CoreSource}), {Threads} threads";
}
