using NativeTV.Kernels.Cpu;

namespace NativeTV.Tests.Blas;

/// <summary>Which OpenBLAS kernel set to force: only over a generic fallback, by ISA and vendor, never over the user's.</summary>
public class BlasCoreChoiceTests
{
    private static readonly CpuIsa Avx512Intel = new(true, true, false), Avx512Amd = new(true, true, true),
        Avx2Intel = new(true, false, false), Avx2Amd = new(true, false, true), SseOnly = new(false, false, false);

    private static IEnumerable<TestCaseData> Table()
    {
        // The library did not know the CPU: its generic kernels, upgraded by what the CPU runs.
        yield return new TestCaseData(null, "Prescott", Avx512Intel).Returns("SkylakeX");
        yield return new TestCaseData(null, "Prescott", Avx512Amd).Returns("SkylakeX");
        yield return new TestCaseData(null, "Katmai", Avx2Intel).Returns("Haswell");
        yield return new TestCaseData(null, "core2", Avx2Intel).Returns("Haswell");
        yield return new TestCaseData(null, "Nehalem", Avx2Amd).Returns("Zen");
        yield return new TestCaseData(null, "Barcelona", Avx2Amd).Returns("Zen");
        yield return new TestCaseData(null, "Unknown", Avx512Intel).Returns("SkylakeX");
        yield return new TestCaseData("", "Prescott", Avx2Intel).Returns("Haswell");
        // Nothing better to run, or the library's own AVX choice (its knowledge of the model), or a core this table does not know.
        yield return new TestCaseData(null, "Prescott", SseOnly).Returns(null);
        yield return new TestCaseData(null, "Cooperlake", Avx512Amd).Returns(null);
        yield return new TestCaseData(null, "Haswell", Avx512Intel).Returns(null);
        yield return new TestCaseData(null, "Zen", Avx2Amd).Returns(null);
        yield return new TestCaseData(null, "Sandybridge", Avx2Intel).Returns(null);
        yield return new TestCaseData(null, "SapphireRapids", Avx512Intel).Returns(null);
        // The user's OPENBLAS_CORETYPE always stands, even a generic one.
        yield return new TestCaseData("Prescott", "Prescott", Avx512Intel).Returns(null);
        yield return new TestCaseData("Haswell", "Haswell", Avx512Intel).Returns(null);
    }

    [TestCaseSource(nameof(Table))]
    public string? Better(string? user, string libraryCore, CpuIsa isa) => BlasCoreChoice.Better(user, libraryCore, isa);
}
