namespace NativeTV.Kernels;

/// <summary>Storage dtype of a weight tensor. Activations are always float32.</summary>
public enum DType { F32, F16, BF16 }

public static class DTypes
{
    public static int Size(this DType t) => t == DType.F32 ? 4 : 2;

    public static string SafetensorsName(this DType t) => t switch
    {
        DType.F32 => "F32", DType.F16 => "F16", DType.BF16 => "BF16", _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static DType? FromSafetensors(string name) => name switch
    {
        "F32" => DType.F32, "F16" => DType.F16, "BF16" => DType.BF16, _ => null,
    };

    /// <summary>Parses a dtype as written on the command line or in config.json (torch_dtype).</summary>
    public static DType Parse(string s) => s.ToLowerInvariant() switch
    {
        "f32" or "float32" or "float" => DType.F32,
        "f16" or "float16" or "half" => DType.F16,
        "bf16" or "bfloat16" => DType.BF16,
        _ => throw new ArgumentException($"unknown dtype '{s}' (expected f32, f16 or bf16)"),
    };

    public static float BF16ToFloat(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Round-to-nearest-even, as torch does when casting to bfloat16.</summary>
    public static ushort FloatToBF16(float f)
    {
        uint u = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f)) return 0x7FC0;
        uint rounding = 0x7FFF + ((u >> 16) & 1);
        return (ushort)((u + rounding) >> 16);
    }

    public static ushort FloatToF16(float f) => BitConverter.HalfToUInt16Bits((Half)f);

    /// <summary>Rounds a float32 value to what the dtype can hold (used where transformers casts a scalar to the model dtype).</summary>
    public static float RoundTo(this DType t, float f) => t switch
    {
        DType.BF16 => BF16ToFloat(FloatToBF16(f)),
        DType.F16 => (float)(Half)f,
        _ => f,
    };

    /// <summary>Widens <paramref name="count"/> stored elements to float32.</summary>
    public static unsafe void Widen(DType t, byte* src, float* dst, long count)
    {
        switch (t)
        {
            case DType.F32: Buffer.MemoryCopy(src, dst, count * 4, count * 4); break;
            case DType.BF16:
                {
                    var s = (ushort*)src; var d = (uint*)dst;
                    for (long i = 0; i < count; i++) d[i] = (uint)s[i] << 16;
                    break;
                }
            case DType.F16:
                {
                    var s = (Half*)src;
                    for (long i = 0; i < count; i++) dst[i] = (float)s[i];
                    break;
                }
        }
    }
}
