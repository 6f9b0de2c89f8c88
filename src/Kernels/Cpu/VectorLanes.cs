using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Cpu;

/// <summary>
/// Loads and stores of one SIMD vector at element i of a row, the row's last partial vector padded with zeros
/// (and only its real lanes stored), so a fused kernel is one loop with one formula for every element.
/// </summary>
public static class VectorLanes
{
    public static int Width => Vector<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Load(ReadOnlySpan<float> s, int i) =>
        i + Vector<float>.Count <= s.Length ? Vector.LoadUnsafe(ref MemoryMarshal.GetReference(s), (nuint)i) : LoadTail(s, i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Span<float> s, int i, Vector<float> v)
    {
        if (i + Vector<float>.Count <= s.Length) v.StoreUnsafe(ref MemoryMarshal.GetReference(s), (nuint)i);
        else StoreTail(s, i, v);
    }

    /// <summary>A mask of the first <paramref name="n"/> lanes.</summary>
    public static Vector<int> Valid(int n) => Vector.LessThan(Lane, new Vector<int>(n));

    private static readonly Vector<int> Lane = Vector<int>.Indices;

    /// <summary>The vector at i, which the caller knows is whole (no length check: hot loops stay free of the tail's calls).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> LoadFull(ReadOnlySpan<float> s, int i) => Vector.LoadUnsafe(ref MemoryMarshal.GetReference(s), (nuint)i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFull(Span<float> s, int i, Vector<float> v) => v.StoreUnsafe(ref MemoryMarshal.GetReference(s), (nuint)i);

    // Kept out of line: stackalloc would stop the fast paths above from inlining.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector<float> LoadTail(ReadOnlySpan<float> s, int i)
    {
        Span<float> pad = stackalloc float[Vector<float>.Count];
        pad.Clear();
        s[i..].CopyTo(pad);
        return new Vector<float>(pad);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreTail(Span<float> s, int i, Vector<float> v)
    {
        Span<float> pad = stackalloc float[Vector<float>.Count];
        v.CopyTo(pad);
        pad[..(s.Length - i)].CopyTo(s[i..]);
    }
}
