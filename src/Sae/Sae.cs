namespace NativeTV.Sae;

/// <summary>The activation an SAE applies to its encoder pre-activations.</summary>
public enum SaeArchitecture { Standard, Gated, JumpRelu, TopK }

/// <summary>
/// A sparse autoencoder in one canonical form, float32 on the host, whatever format it came from:
/// W_enc [d_in, d_sae], W_dec [d_sae, d_in], b_dec [d_in], and per architecture b_enc (standard,
/// jumprelu, topk), b_gate / r_mag / b_mag (gated), threshold (jumprelu), K (topk). Any input
/// normalisation with a known scale is folded into the weights on load, so encode/decode take raw
/// residual-stream vectors. Definitions: METHOD.md §4.
/// </summary>
public sealed class Sae
{
    public required SaeArchitecture Arch { get; init; }
    public required int DIn { get; init; }
    public required int DSae { get; init; }
    public required float[] WEnc { get; init; }
    public required float[] WDec { get; init; }
    public required float[] BDec { get; init; }
    public float[]? BEnc { get; init; }
    public float[]? BGate { get; init; }
    public float[]? RMag { get; init; }
    public float[]? BMag { get; init; }
    public float[]? Threshold { get; init; }
    public int K { get; init; }
    /// <summary>Whether b_dec is subtracted from the input before encoding (always for gated).</summary>
    public required bool ApplyBDecToInput { get; init; }
    /// <summary>Where it reads the model: e.g. blocks.12.hook_resid_pre.</summary>
    public string HookName { get; init; } = "";
    public int HookLayer { get; init; } = -1;
    public string ModelName { get; init; } = "";
    /// <summary>
    /// normalize_activations "expected_average_only_in": inputs are multiplied by this scale before
    /// encoding and outputs divided by it. Already folded into the weights; kept for provenance.
    /// </summary>
    public float? FoldedNormScale { get; init; }
    /// <summary>Where it was loaded from (for messages and provenance).</summary>
    public string Source { get; init; } = "";
}
