using System.Runtime.Intrinsics.X86;

namespace NativeTV.Kernels.Cpu;

/// <summary>The vector units the CPU and OS offer, as far as choosing a BLAS kernel set goes.</summary>
/// <param name="Avx2">AVX2 with FMA3 (Haswell-class kernels).</param>
/// <param name="Avx512">AVX-512 F, BW, DQ and VL (SkylakeX-class kernels).</param>
/// <param name="Amd">An AMD or Hygon CPU (Zen-class kernels rather than Intel's for AVX2).</param>
public readonly record struct CpuIsa(bool Avx2, bool Avx512, bool Amd)
{
    /// <summary>This machine's, from System.Runtime.Intrinsics (which also checks that the OS saves the registers).</summary>
    public static CpuIsa Current => new(
        System.Runtime.Intrinsics.X86.Avx2.IsSupported && Fma.IsSupported,
        Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported,
        X86Base.IsSupported && Vendor() is "AuthenticAMD" or "HygonGenuine");

    /// <summary>CPUID leaf 0's vendor string (EBX, EDX, ECX).</summary>
    private static string Vendor()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<int> regs = [ebx, edx, ecx];
        return System.Text.Encoding.ASCII.GetString(System.Runtime.InteropServices.MemoryMarshal.AsBytes(regs));
    }
}
