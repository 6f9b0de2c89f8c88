namespace NativeTV.Kernels;

/// <summary>
/// What the backend's matmuls compute in: F32 (float32 throughout: the f32 GEMM) or BF16 (tensor-core MMA
/// with bf16 operands, or f16 where a weight is stored f16, and float32 accumulation). Everything else stays float32.
/// On cpu, BF16 covers MatMul and its input gradient (oneDNN, bf16 operands, float32 accumulation); weight
/// gradients and SAE ops stay float32 there.
/// </summary>
public enum Precision { F32, BF16 }

public static class Precisions
{
    public static readonly string[] Names = ["f32", "bf16"];

    public static Precision Parse(string s, string option = "--precision") => s.ToLowerInvariant() switch
    {
        "f32" or "float32" => Precision.F32,
        "bf16" or "bfloat16" => Precision.BF16,
        _ => throw new ArgumentException($"{option}: unknown precision '{s}' (expected f32 or bf16)"),
    };

    public static string Name(this Precision p) => p == Precision.BF16 ? "bf16" : "f32";

    /// <summary>bf16 on cuda (what HF models run in), f32 on the CPU backends.</summary>
    public static Precision DefaultFor(bool cuda) => cuda ? Precision.BF16 : Precision.F32;
}
