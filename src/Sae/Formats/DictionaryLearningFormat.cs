using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Sae.Formats;

/// <summary>
/// A saprmarks/dictionary_learning state dict saved as ae.safetensors (upstream saves ae.pt with
/// torch.save, a pickle NativeTV does not read), with the optional config.json trainSAE writes next to it.
/// Weights are nn.Linear [out, in], so encoder.weight is W_enc transposed and decoder.weight W_dec
/// transposed. The class is told by the keys:
///   GatedAutoEncoder: decoder_bias, gate_bias, mag_bias, r_mag (no encoder.bias); encode(x - decoder_bias)
///   AutoEncoder:      bias, encoder.bias;  relu(encoder(x - bias)), decoder(f) + bias
///   AutoEncoderTopK:  b_dec, encoder.bias, k;  top-k of relu(encoder(x - b_dec)) (same as relu of the top-k)
/// dictionary_learning always centres the input by the decoder bias.
/// </summary>
public static partial class DictionaryLearningFormat
{
    public const string WeightsFile = "ae.safetensors", ConfigFile = "config.json";

    public static Sae Load(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, WeightsFile);
        using var file = new SafetensorsFile(path);
        if (!file.Contains("encoder.weight"))
            throw new CheckpointException(path, $"not a dictionary_learning state dict: no 'encoder.weight' (present: {string.Join(", ", file.Tensors.Keys.Order())})");
        var encShape = file.Tensors["encoder.weight"].Shape;
        if (encShape.Length != 2)
            throw new CheckpointException(path, $"tensor 'encoder.weight' has shape {SaeTensors.Show(encShape)}, expected [dict_size,activation_dim]");
        long dSae = encShape[0], dIn = encShape[1];
        var cfgPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, ConfigFile);
        var info = TrainerInfo.Load(cfgPath);
        if (info.DIn is int ci && ci != dIn || info.DSae is int cs && cs != dSae)
            throw new CheckpointException(path, $"encoder.weight {SaeTensors.Show(encShape)} disagrees with {cfgPath} (activation_dim {info.DIn}, dict_size {info.DSae})");
        string why = $"encoder.weight (activation_dim {dIn}, dict_size {dSae})";
        float[] Req(string name, params long[] shape) => SaeTensors.Read(file, name, shape, why);

        var wEnc = SaeTensors.Transpose(Req("encoder.weight", dSae, dIn), (int)dSae, (int)dIn);
        var wDec = SaeTensors.Transpose(Req("decoder.weight", dIn, dSae), (int)dIn, (int)dSae);
        Sae Make(SaeArchitecture arch, float[] bDec, float[]? bEnc = null, float[]? bGate = null, float[]? rMag = null, float[]? bMag = null, int k = 0) => new()
        {
            Arch = arch, DIn = (int)dIn, DSae = (int)dSae, K = k,
            WEnc = wEnc, WDec = wDec, BDec = bDec, BEnc = bEnc, BGate = bGate, RMag = rMag, BMag = bMag,
            ApplyBDecToInput = true,
            HookName = info.Hook, HookLayer = info.Layer, ModelName = info.Model, Source = path,
        };

        if (file.Contains("gate_bias"))
        {
            if (file.Contains("encoder.bias"))
                throw new CheckpointException(path, "has gate_bias and encoder.bias: a GatedAutoEncoder has no encoder bias (unknown variant)");
            return Make(SaeArchitecture.Gated, Req("decoder_bias", dIn), bGate: Req("gate_bias", dSae), rMag: Req("r_mag", dSae), bMag: Req("mag_bias", dSae));
        }
        if (file.Contains("k") && file.Contains("b_dec"))
        {
            int[] k = file.ReadInts("k");
            if (k.Length != 1 || k[0] <= 0 || k[0] > dSae)
                throw new CheckpointException(path, $"tensor 'k' is [{string.Join(",", k)}], expected one value in 1..{dSae}");
            return Make(SaeArchitecture.TopK, Req("b_dec", dIn), bEnc: Req("encoder.bias", dSae), k: k[0]);
        }
        if (file.Contains("bias") && file.Contains("encoder.bias"))
            return Make(SaeArchitecture.Standard, Req("bias", dIn), bEnc: Req("encoder.bias", dSae));
        throw new CheckpointException(path, $"unrecognised dictionary_learning state dict (keys: {string.Join(", ", file.Tensors.Keys.Order())}); NativeTV reads GatedAutoEncoder (decoder_bias, gate_bias, mag_bias, r_mag), AutoEncoder (bias, encoder.bias) and AutoEncoderTopK (b_dec, encoder.bias, k)");
    }

    /// <summary>What trainSAE's config.json says: {"trainer": {activation_dim, dict_size, layer, lm_name, submodule_name}, ...}.</summary>
    private sealed record TrainerInfo(int? DIn, int? DSae, string Hook, int Layer, string Model)
    {
        public static TrainerInfo Load(string path)
        {
            if (!File.Exists(path)) return new(null, null, "", -1, "");
            try
            {
                var t = JsonNode.Parse(File.ReadAllText(path))?["trainer"] as JsonObject;
                if (t is null) return new(null, null, "", -1, "");
                int? layer = t["layer"]?.GetValue<int>();
                var (hook, hookLayer) = HookOf(t["submodule_name"]?.GetValue<string>() ?? "", layer);
                return new(t["activation_dim"]?.GetValue<int>(), t["dict_size"]?.GetValue<int>(), hook, hookLayer, t["lm_name"]?.GetValue<string>() ?? "");
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
            {
                throw new CheckpointException(path, $"bad dictionary_learning config ({e.Message})");
            }
        }

        /// <summary>
        /// resid_post_layer_N -> blocks.N.hook_resid_post (the same values as blocks.(N+1).hook_resid_pre);
        /// mlp_out_layer_N / attn_out_layer_N likewise. Other names are kept as they are.
        /// </summary>
        private static (string, int) HookOf(string submodule, int? layer)
        {
            var m = SubmoduleRx().Match(submodule);
            if (!m.Success) return (submodule, layer ?? -1);
            int n = HookLayers.Parse(m.Groups[2].Value, submodule);
            return ($"blocks.{n}.hook_{m.Groups[1].Value}", n);
        }
    }

    [GeneratedRegex(@"^(resid_post|mlp_out|attn_out)_layer_(\d+)$")] private static partial Regex SubmoduleRx();
}
