using ILGPU;

namespace NativeTV.Kernels.Ilgpu;

/// <summary>
/// A stored weight element as kept on the device. Kernels are generic over it (a struct type
/// parameter), so one kernel body serves every dtype and widens to float32 on read.
/// </summary>
public interface IWeightElem
{
    float ToFloat();
}

/// <summary>float32 weight element.</summary>
public struct F32Elem : IWeightElem
{
    public float Value;
    public readonly float ToFloat() => Value;
}

/// <summary>bfloat16 weight element (raw bits): the high half of a float32.</summary>
public struct BF16Elem : IWeightElem
{
    public ushort Bits;
    public readonly float ToFloat() => Interop.IntAsFloat((uint)Bits << 16);
}

/// <summary>IEEE binary16 weight element (raw bits), widened exactly (subnormals, inf and NaN included).</summary>
public struct F16Elem : IWeightElem
{
    public ushort Bits;

    public readonly float ToFloat()
    {
        uint h = Bits;
        uint sign = (h & 0x8000u) << 16;
        uint exp = (h >> 10) & 0x1Fu;
        uint mant = h & 0x3FFu;
        if (exp == 0x1Fu) return Interop.IntAsFloat(sign | 0x7F800000u | (mant << 13)); // inf / NaN
        if (exp != 0) return Interop.IntAsFloat(sign | ((exp + 112u) << 23) | (mant << 13)); // normal
        // Zero or subnormal: mant * 2^-24 is exact in float32.
        float mag = mant * 5.9604644775390625e-8f;
        return sign != 0 ? -mag : mag;
    }
}
