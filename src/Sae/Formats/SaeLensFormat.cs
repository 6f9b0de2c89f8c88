using System.Text.Json;
using System.Text.Json.Nodes;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Sae.Formats;

/// <summary>
/// A SAELens folder: cfg.json + sae_weights.safetensors (+ activation_scaler.json). Any version of
/// cfg.json (see SaeLensConfig); weights F32, F16 or BF16, shapes checked against d_in / d_sae.
/// </summary>
public static class SaeLensFormat
{
    public const string ConfigFile = "cfg.json", WeightsFile = "sae_weights.safetensors", ScalerFile = "activation_scaler.json";

    public static Sae Load(string dir)
    {
        string cfgPath = Path.Combine(dir, ConfigFile), weightsPath = Path.Combine(dir, WeightsFile);
        var cfg = SaeLensConfig.Load(cfgPath);
        float? scale = NormScale(cfg, cfgPath, Path.Combine(dir, ScalerFile));
        using var file = new SafetensorsFile(weightsPath);
        long dIn = cfg.DIn, dSae = cfg.DSae;
        string why = $"cfg.json (d_in {dIn}, d_sae {dSae})";
        float[] Req(string name, params long[] shape) => SaeTensors.Read(file, name, shape, why);

        var wEnc = Req("W_enc", dIn, dSae);
        var wDec = Req("W_dec", dSae, dIn);
        var bDec = Req("b_dec", dIn);
        float[]? bEnc = null, bGate = null, rMag = null, bMag = null, threshold = null;
        switch (cfg.Arch)
        {
            case SaeArchitecture.Gated:
                (bGate, rMag, bMag) = (Req("b_gate", dSae), Req("r_mag", dSae), Req("b_mag", dSae));
                break;
            case SaeArchitecture.JumpRelu:
                bEnc = Req("b_enc", dSae);
                // Training checkpoints store log_threshold instead.
                threshold = file.Contains("log_threshold") && !file.Contains("threshold")
                    ? Req("log_threshold", dSae).Select(MathF.Exp).ToArray()
                    : Req("threshold", dSae);
                break;
            default:
                bEnc = Req("b_enc", dSae);
                break;
        }

        // SAELens 2.x-5.x: f is multiplied by a per-feature factor before W_dec. An all-ones
        // "scaling_factor" is a leftover SAELens itself drops; anything else is folded into W_dec's rows
        // (same f, same x_hat).
        var fsf = SaeTensors.ReadOptional(file, "finetuning_scaling_factor", [dSae], why)
            ?? SaeTensors.ReadOptional(file, "scaling_factor", [dSae], why);
        if (fsf != null && fsf.Any(v => v != 1f))
            for (int i = 0; i < dSae; i++)
                for (int j = 0; j < dIn; j++) wDec[i * dIn + j] *= fsf[i];

        if (scale is float s) SaeScaling.FoldInPlace(s, wEnc, wDec, bDec);
        return new Sae
        {
            Arch = cfg.Arch, DIn = cfg.DIn, DSae = cfg.DSae, K = cfg.K,
            WEnc = wEnc, WDec = wDec, BDec = bDec, BEnc = bEnc, BGate = bGate, RMag = rMag, BMag = bMag, Threshold = threshold,
            ApplyBDecToInput = cfg.ApplyBDecToInput,
            HookName = cfg.HookName, HookLayer = cfg.HookLayer, ModelName = cfg.ModelName,
            FoldedNormScale = scale ?? cfg.FoldedNormScale,
            Source = dir,
        };
    }

    /// <summary>
    /// The norm scaling factor s to fold, or null when there is none to apply. The SAE was trained on
    /// x * s and reconstructs x * s; s is never in cfg.json but in activation_scaler.json (SAELens >= 6
    /// intermediate checkpoints). A final SAELens checkpoint has it folded already and writes
    /// scaling_factor null; with no factor SAELens runs unscaled, and so do we.
    /// </summary>
    private static float? NormScale(SaeLensConfig cfg, string cfgPath, string scalerPath)
    {
        switch (cfg.NormalizeActivations)
        {
            case "none": return null;
            case "expected_average_only_in": break;
            case "constant_norm_rescale":
                throw new CheckpointException(cfgPath, "normalize_activations 'constant_norm_rescale' is not supported: it rescales every input by its own norm, which cannot be folded into the weights");
            default:
                throw new CheckpointException(cfgPath, $"normalize_activations '{cfg.NormalizeActivations}' is not supported (NativeTV reads none and expected_average_only_in)");
        }
        if (!File.Exists(scalerPath)) return null;
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(scalerPath))?["scaling_factor"]; }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { throw new CheckpointException(scalerPath, $"not a JSON object with scaling_factor ({e.Message})"); }
        if (node is null) return null;
        double s;
        try { s = node.GetValue<double>(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException) { throw new CheckpointException(scalerPath, $"scaling_factor is {node.ToJsonString()}, expected a number"); }
        if (!(s > 0) || double.IsInfinity(s)) throw new CheckpointException(scalerPath, $"scaling_factor {s} must be positive and finite");
        return (float)s;
    }
}
