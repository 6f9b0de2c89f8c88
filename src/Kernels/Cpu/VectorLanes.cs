using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Cpu;

/// <summary>
/// Loads and stores of one SIMD vector at element i of a row. A kernel runs its formula (an inlined method) over the
/// whole vectors with <see cref="LoadFull"/>/<see cref="StoreFull"/>, then once over the row's partial last vector with
/// <see cref="LoadPartial"/> (padded with zeros) and <see cref="StorePartial"/> (only the real lanes). The partial ones stay
/// out of line and out of the hot loop: with their copies inside it, the JIT kept the loop's values on the stack.
/// </summary>
public static class VectorLanes
{
    public static int Width => Vector<float>.Count;

    /// <summary>The vector at i, which the caller knows is whole (no length check).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> LoadFull(ReadOnlySpan<float> s, int i) => Vector.LoadUnsafe(ref MemoryMarshal.GetReference(s), (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFull(Span<float> s, int i, Vector<float> v) => v.StoreUnsafe(ref MemoryMarshal.GetReference(s), (nuint)i);

    /// <summary>Elements i.. (fewer than a vector) padded with zeros.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Vector<float> LoadPartial(ReadOnlySpan<float> s, int i)
    {
        Span<float> pad = stackalloc float[Vector<float>.Count];
        pad.Clear();
        s[i..].CopyTo(pad);
        return new Vector<float>(pad);
    }

    /// <summary>The lanes of <paramref name="v"/> that fall inside the row, from element i.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void StorePartial(Span<float> s, int i, Vector<float> v)
    {
        Span<float> pad = stackalloc float[Vector<float>.Count];
        v.CopyTo(pad);
        pad[..(s.Length - i)].CopyTo(s[i..]);
    }

    /// <summary>A mask of the first <paramref name="n"/> lanes.</summary>
    public static Vector<int> Valid(int n) => Vector.LessThan(Lane, new Vector<int>(n));

    private static readonly Vector<int> Lane = Vector<int>.Indices;
}
