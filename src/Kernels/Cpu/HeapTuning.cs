using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Cpu;

/// <summary>
/// Keeps freed CPU buffers in the process's heap. By default glibc hands large freed blocks back to the
/// kernel (munmap, heap trimming), so every pass that allocates its workspace faults each page in again and
/// the kernel zeroes it: at the organism's training step about 20k page faults, 12% of the step. With
/// blocks up to 32 MB (glibc's largest heap allocation) served from the heap and no trimming, they are
/// reused. The cost is a resident size that stays at its peak. No-op outside glibc.
/// </summary>
internal static partial class HeapTuning
{
    private const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;

    [LibraryImport("libc")]
    private static partial int mallopt(int param, int value);

    private static readonly Lazy<bool> Applied = new(() =>
    {
        try { return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 & mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1; }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return false; }
    });

    public static void KeepFreedMemory() => _ = Applied.Value;
}
