using System.IO.Compression;
using System.Text.RegularExpressions;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Sae.Formats;

/// <summary>
/// A Gemma Scope params.npz: a zip of .npy arrays W_enc [d_in,d_sae], W_dec [d_sae,d_in], b_enc,
/// threshold [d_sae], b_dec [d_in] (some copies spell w_enc / w_dec). JumpReLU, and the input is not
/// centred by b_dec. There is no config: the layer comes from the layer_L folder in the path, and the
/// hook from the release name (res -> hook_resid_post, mlp -> hook_mlp_out, att -> attn.hook_z, as SAELens names them).
/// </summary>
public static partial class GemmaScopeFormat
{
    public const string ParamsFile = "params.npz";

    public static Sae Load(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, ParamsFile);
        CheckpointFiles.Require(path);
        var arrays = ReadNpz(path);
        NpyArray Req(string name, params long[] shape)
        {
            if (!arrays.TryGetValue(name, out var a))
                throw new CheckpointException(path, $"missing array '{name}' (present: {string.Join(", ", arrays.Keys.Order())})");
            if (shape.Length > 0 && !a.Shape.SequenceEqual(shape))
                throw new CheckpointException(path, $"array '{name}' has shape {SaeTensors.Show(a.Shape)} but W_enc {SaeTensors.Show(arrays["W_enc"].Shape)} needs {SaeTensors.Show(shape)}");
            return a;
        }
        var wEnc = Req("W_enc");
        if (wEnc.Shape.Length != 2 || wEnc.Shape.Any(d => d == 0))
            throw new CheckpointException(path, $"array 'W_enc' has shape {SaeTensors.Show(wEnc.Shape)}, expected [d_in,d_sae]");
        long dIn = wEnc.Shape[0], dSae = wEnc.Shape[1];
        var (hook, layer) = HookFromPath(path);
        return new Sae
        {
            Arch = SaeArchitecture.JumpRelu, DIn = (int)dIn, DSae = (int)dSae,
            WEnc = wEnc.Values, WDec = Req("W_dec", dSae, dIn).Values, BDec = Req("b_dec", dIn).Values,
            BEnc = Req("b_enc", dSae).Values, Threshold = Req("threshold", dSae).Values,
            ApplyBDecToInput = false,
            HookName = hook, HookLayer = layer, Source = path,
        };
    }

    /// <summary>Every .npy member of a .npz, keyed by name without ".npy" (w_ prefixes spelled W_).</summary>
    public static Dictionary<string, NpyArray> ReadNpz(string path)
    {
        var result = new Dictionary<string, NpyArray>();
        try
        {
            using var zip = ZipFile.OpenRead(path);
            foreach (var e in zip.Entries)
            {
                if (!e.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                string name = e.FullName[..^4];
                if (name.StartsWith("w_", StringComparison.Ordinal)) name = "W_" + name[2..];
                using var s = e.Open();
                result[name] = NpyReader.Read(s, path, e.FullName, e.Length);
            }
        }
        catch (InvalidDataException e) { throw new CheckpointException(path, $"not a valid .npz (zip) file ({e.Message})"); }
        return result;
    }

    /// <summary>gemma-scope-2b-pt-res/layer_12/width_16k/average_l0_82/params.npz -> blocks.12.hook_resid_post.</summary>
    private static (string Hook, int Layer) HookFromPath(string path)
    {
        string full = Path.GetFullPath(path).Replace('\\', '/');
        var m = LayerRx().Match(full);
        if (!m.Success) return ("", -1);
        int layer;
        try { layer = HookLayers.Parse(m.Groups[1].Value, full); }
        catch (ArgumentException e) { throw new CheckpointException(path, e.Message); }
        var kind = KindRx().Match(full);
        string point = !kind.Success ? "hook_resid_post" : kind.Groups[1].Value switch
        {
            "mlp" => "hook_mlp_out", "att" => "attn.hook_z", _ => "hook_resid_post",
        };
        return ($"blocks.{layer}.{point}", layer);
    }

    [GeneratedRegex(@"/layer_(\d+)/")] private static partial Regex LayerRx();
    [GeneratedRegex(@"-(res|mlp|att)(?:-[^/]*)?/", RegexOptions.RightToLeft)] private static partial Regex KindRx();
}
