namespace NativeTV.Kernels.Cpu;

/// <summary>
/// Which OpenBLAS kernel set to force, if any. OpenBLAS picks by CPU model; a model newer than the
/// library (e.g. an Intel family 6 model 207 under 0.3.21) gets its pre-AVX "Prescott" kernels at a
/// fifth of the speed, although the ISA flags say what the CPU can run.
/// </summary>
public static class BlasCoreChoice
{
    /// <summary>
    /// Kernel sets without AVX: what OpenBLAS falls back to for a CPU it does not know ("Unknown",
    /// the 32-bit names it maps to Prescott on x86-64, Core2-era Intel and pre-AVX AMD).
    /// </summary>
    private static readonly HashSet<string> PreAvx = new(StringComparer.OrdinalIgnoreCase)
    {
        "Unknown", "Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2", "Penryn",
        "Dunnington", "Nehalem", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Nano", "Bobcat",
    };

    /// <summary>
    /// The core to set in OPENBLAS_CORETYPE, or null to keep the library's: the user's own setting
    /// always stands, and a choice the library made with AVX kernels is its knowledge of the CPU.
    /// </summary>
    public static string? Better(string? userCoreType, string libraryCore, CpuIsa isa)
    {
        if (!string.IsNullOrEmpty(userCoreType) || !PreAvx.Contains(libraryCore)) return null;
        if (isa.Avx512) return "SkylakeX";
        if (isa.Avx2) return isa.Amd ? "Zen" : "Haswell";
        return null;
    }
}
