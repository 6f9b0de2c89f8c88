using System.Numerics;

namespace NativeTV.Kernels;

/// <summary>
/// Finds NaN and ±Inf in stored floats without widening them: in F32, F16 and BF16 alike a value is
/// non-finite exactly when its exponent bits are all ones, so one masked compare per lane (Vector&lt;T&gt;)
/// checks a tensor at memory speed.
/// </summary>
public static unsafe class NonFinite
{
    // Spans are int-sized; longer tensors are scanned in chunks.
    private const long Chunk = 1L << 30;

    /// <summary>The index of the first NaN or Inf among <paramref name="count"/> values at <paramref name="data"/>, or -1.</summary>
    public static long Find(IntPtr data, DType dtype, long count) => dtype switch
    {
        DType.F32 => Find((uint*)data, count, 0x7F80_0000u),
        DType.F16 => Find((ushort*)data, count, (ushort)0x7C00),
        _ => Find((ushort*)data, count, (ushort)0x7F80),
    };

    public static long Find(ReadOnlySpan<float> values)
    {
        fixed (float* p = values) return Find((IntPtr)p, DType.F32, values.Length);
    }

    /// <summary>"NaN", "+Inf" or "-Inf": the value at <paramref name="index"/>, for messages.</summary>
    public static string Describe(IntPtr data, DType dtype, long index)
    {
        float v;
        DTypes.Widen(dtype, (byte*)data + index * dtype.Size(), &v, 1);
        return Describe(v);
    }

    public static string Describe(float v) => float.IsNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";

    private static long Find<T>(T* p, long count, T mask) where T : unmanaged, IBinaryInteger<T>
    {
        var m = new Vector<T>(mask);
        for (long at = 0; at < count; at += Chunk)
        {
            var span = new ReadOnlySpan<T>(p + at, (int)Math.Min(Chunk, count - at));
            int i = 0;
            // Stop at the first vector holding a hit; the scalar loop then finds it within the vector.
            for (; i <= span.Length - Vector<T>.Count; i += Vector<T>.Count)
                if (Vector.EqualsAny(new Vector<T>(span[i..]) & m, m)) break;
            for (; i < span.Length; i++)
                if ((span[i] & mask) == mask) return at + i;
        }
        return -1;
    }
}
