using System.Numerics;
using System.Runtime.CompilerServices;

namespace NativeTV.Kernels.Cpu;

/// <summary>
/// exp and sigmoid on whole SIMD vectors, inlined into the fused CPU kernels (softmax, gated activations, cross
/// entropy). TensorPrimitives.Exp widens to double and costs 1-2 ns a value here; this single-precision version
/// (Cephes' expf: exp(x) = 2^n exp(r), |r| <= ln2/2, a degree-7 polynomial) is within 2 ulp and 2-3x faster.
/// Results below 2^-126 flush to 0 (softmax weights that small are 0 for any float sum).
/// </summary>
public static class VectorMath
{
    private const float Log2E = 1.44269504f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    // 1.5 * 2^23: adding and subtracting it rounds a float to the nearest integer (|x| < 2^22).
    private const float RoundMagic = 12582912f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        var n = Vector.FusedMultiplyAdd(x, new Vector<float>(Log2E), new Vector<float>(RoundMagic)) - new Vector<float>(RoundMagic);
        var r = Vector.FusedMultiplyAdd(n, new Vector<float>(-Ln2Hi), x);
        r = Vector.FusedMultiplyAdd(n, new Vector<float>(-Ln2Lo), r);
        var p = new Vector<float>(1.9875691500e-4f);
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1.3981999507e-3f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(8.3334519073e-3f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(4.1665795894e-2f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(1.6666665459e-1f));
        p = Vector.FusedMultiplyAdd(p, r, new Vector<float>(5.0000001201e-1f));
        p = Vector.FusedMultiplyAdd(p, r * r, r + Vector<float>.One);
        // 2^n as 2^h 2^(n-h) with h = n/2: each factor stays a normal float for every n in [-126, 128].
        // The Native forms skip IEEE NaN handling (NaN lanes are replaced below): a third of the instructions.
        var ni = Vector.ConvertToInt32Native(Vector.MinNative(Vector.MaxNative(n, new Vector<float>(-126f)), new Vector<float>(128f)));
        var h = Vector.ShiftRightArithmetic(ni, 1);
        var y = p * Pow2(h) * Pow2(ni - h);
        y = Vector.ConditionalSelect(Vector.LessThan(x, new Vector<float>(-87.33654f)), Vector<float>.Zero, y);
        y = Vector.ConditionalSelect(Vector.GreaterThan(x, new Vector<float>(88.72283f)), new Vector<float>(float.PositiveInfinity), y);
        return Vector.ConditionalSelect(Vector.Equals(x, x), y, x); // NaN stays NaN
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Pow2(Vector<int> e) => Vector.AsVectorSingle(Vector.ShiftLeft(e + new Vector<int>(127), 23));

    /// <summary>1 / (1 + exp(-x)): 0 for x below -88, 1 above 17.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Sigmoid(Vector<float> x) => Vector<float>.One / (Vector<float>.One + Exp(-x));

    /// <summary>x := exp(x - shift), returning the sum of the results (accumulated in double: rows can be a 256k vocabulary).</summary>
    public static double ExpShifted(Span<float> x, float shift)
    {
        Vector<double> lo = Vector<double>.Zero, hi = Vector<double>.Zero;
        var m = new Vector<float>(shift);
        int i = 0;
        for (; i <= x.Length - VectorLanes.Width; i += VectorLanes.Width)
        {
            var e = Exp(VectorLanes.LoadFull(x, i) - m);
            VectorLanes.StoreFull(x, i, e);
            Vector.Widen(e, out Vector<double> a, out Vector<double> b);
            lo += a; hi += b;
        }
        if (i < x.Length)
        {
            var e = Exp(VectorLanes.LoadPartial(x, i) - m);
            VectorLanes.StorePartial(x, i, e);
            // The zero padding of the partial last vector became exp(-shift): keep it out of the sum.
            e = Vector.ConditionalSelect(VectorLanes.Valid(x.Length - i), e, Vector<float>.Zero);
            Vector.Widen(e, out Vector<double> a, out Vector<double> b);
            lo += a; hi += b;
        }
        return Vector.Sum(lo + hi);
    }
}
