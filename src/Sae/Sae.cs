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

    /// <summary>
    /// The SAE cut down to the features <paramref name="ids"/> (their encoder columns, decoder rows and
    /// per-feature parameters, in that order; b_dec kept): its feature j is feature ids[j] of this one, with
    /// the same activation. Not for TopK, whose features compete with each other.
    /// </summary>
    public Sae Subset(int[] ids)
    {
        if (Arch == SaeArchitecture.TopK) throw new InvalidOperationException("a TopK SAE's activations depend on every feature: it has no subsets");
        var wEnc = new float[DIn * ids.Length];
        for (int i = 0; i < DIn; i++)
            for (int j = 0; j < ids.Length; j++) wEnc[i * ids.Length + j] = WEnc[i * DSae + ids[j]];
        float[]? Pick(float[]? v) => v is null ? null : ids.Select(j => v[j]).ToArray();
        return new Sae
        {
            Arch = Arch, DIn = DIn, DSae = ids.Length, WEnc = wEnc, WDec = ids.SelectMany(j => WDec.AsSpan(j * DIn, DIn).ToArray()).ToArray(),
            BDec = BDec, BEnc = Pick(BEnc), BGate = Pick(BGate), RMag = Pick(RMag), BMag = Pick(BMag), Threshold = Pick(Threshold), K = K,
            ApplyBDecToInput = ApplyBDecToInput, HookName = HookName, HookLayer = HookLayer, ModelName = ModelName,
            FoldedNormScale = FoldedNormScale, Source = Source,
        };
    }
}
