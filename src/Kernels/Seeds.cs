namespace NativeTV.Kernels;

/// <summary>
/// Seeds derived from (seed, index) that are the same in every process: System.HashCode is randomised per
/// process, so it must not seed anything a rerun or a resumed run has to reproduce.
/// </summary>
public static class Seeds
{
    /// <summary>SplitMix64 of the pair, folded to an int for System.Random.</summary>
    public static int Mix(long seed, long index)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return unchecked((int)(z ^ (z >> 32)));
    }
}
