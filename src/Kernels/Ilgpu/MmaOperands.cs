using ILGPU;
using ILGPU.Runtime.Cuda;

namespace NativeTV.Kernels.Ilgpu;

/// <summary>
/// The 16-bit operand format of a tensor-core MMA: how a float32 is rounded to it (round to nearest even),
/// how it widens back, and the m16n8k16 instruction for it. Kernels are generic over it (a struct type parameter).
/// </summary>
public interface IMmaOperand
{
    /// <summary>The 16-bit pattern nearest to <paramref name="f"/> (ties to even), in the low half.</summary>
    uint Round(float f);

    /// <summary>The float32 value of the 16-bit pattern in the low half of <paramref name="bits"/>.</summary>
    float Widen(uint bits);

    /// <summary>
    /// mma.sync.aligned.m16n8k16.row.col.f32.X.X.f32 with D = C (c0..c3 in, D out): one warp's 16x8 += 16x16 * 16x8.
    /// Only valid on CUDA (PTX); <see cref="Mma"/> picks between it and the software form.
    /// </summary>
    void MmaPtx(ref float c0, ref float c1, ref float c2, ref float c3, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1);
}

/// <summary>bfloat16 operands (the high half of a float32).</summary>
public struct Bf16Operand : IMmaOperand
{
    public readonly uint Round(float f)
    {
        uint u = Interop.FloatAsInt(f);
        if ((u & 0x7FFFFFFFu) > 0x7F800000u) return 0x7FC0u; // NaN stays a (quiet) NaN
        return (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
    }

    public readonly float Widen(uint bits) => Interop.IntAsFloat((bits & 0xFFFFu) << 16);

    // The instruction is a literal in each operand type: ILGPU's inline PTX takes a constant string, so the bf16 and f16 bodies cannot share one.
    public readonly void MmaPtx(ref float c0, ref float c1, ref float c2, ref float c3, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1)
    {
        Ref<float> d0 = c0, d1 = c1, d2 = c2, d3 = c3;
        Input<uint> x0 = a0, x1 = a1, x2 = a2, x3 = a3, y0 = b0, y1 = b1;
        CudaAsm.EmitRef("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};",
            ref d0, ref d1, ref d2, ref d3, ref x0, ref x1, ref x2, ref x3, ref y0, ref y1);
        c0 = d0.Value; c1 = d1.Value; c2 = d2.Value; c3 = d3.Value;
    }
}

/// <summary>IEEE binary16 operands (weights stored f16; activations rounded to it, so beyond ±65504 they become inf).</summary>
public struct F16Operand : IMmaOperand
{
    public readonly uint Round(float f)
    {
        uint x = Interop.FloatAsInt(f);
        uint sign = (x >> 16) & 0x8000u;
        uint ax = x & 0x7FFFFFFFu;
        if (ax > 0x7F800000u) return sign | 0x7E00u; // NaN
        if (ax >= 0x477FF000u) return sign | 0x7C00u; // at or beyond 65520 (halfway past 65504): inf
        if (ax >= 0x38800000u) // normal in f16 (>= 2^-14): rebias the exponent, round the 13 dropped bits
            return sign | ((ax + 0xFFFu + ((ax >> 13) & 1u) - 0x38000000u) >> 13);
        // Subnormal in f16 (units of 2^-24): the 24-bit significand shifted right, rounded to even.
        int shift = 126 - (int)(ax >> 23);
        if (shift > 24) return sign; // below 2^-25: rounds to zero
        uint mant = (ax & 0x7FFFFFu) | 0x800000u;
        uint q = mant >> shift, rem = mant & ((1u << shift) - 1u), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1u) != 0)) q++;
        return sign | q;
    }

    public readonly float Widen(uint bits) => new F16Elem { Bits = (ushort)bits }.ToFloat();

    public readonly void MmaPtx(ref float c0, ref float c1, ref float c2, ref float c3, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1)
    {
        Ref<float> d0 = c0, d1 = c1, d2 = c2, d3 = c3;
        Input<uint> x0 = a0, x1 = a1, x2 = a2, x3 = a3, y0 = b0, y1 = b1;
        CudaAsm.EmitRef("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};",
            ref d0, ref d1, ref d2, ref d3, ref x0, ref x1, ref x2, ref x3, ref y0, ref y1);
        c0 = d0.Value; c1 = d1.Value; c2 = d2.Value; c3 = d3.Value;
    }
}
