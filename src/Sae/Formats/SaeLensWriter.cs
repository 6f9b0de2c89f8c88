using System.Text.Json.Nodes;
using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Sae.Formats;

/// <summary>
/// Saves an SAE as a SAELens >= 6 folder (cfg.json + sae_weights.safetensors, float32). Any norm scale
/// is already folded into the weights, so normalize_activations is "none"; the folded scale is kept in
/// metadata for provenance only. The folder appears complete or not at all: everything is written into
/// a temporary sibling folder first, then moved into place.
/// </summary>
public static class SaeLensWriter
{
    /// <summary>The SAELens version whose cfg.json layout this follows (SAELens reads older-than-6 files differently).</summary>
    public const string LayoutVersion = "6.12.1";

    public static void Save(Sae sae, string dir)
    {
        var tensors = Tensors(sae);
        string full = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
        string parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        string tmp = Path.Combine(parent, $".{Path.GetFileName(full)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        try
        {
            var w = new SafetensorsWriter().AddMetadata("format", "pt");
            foreach (var (name, values, shape) in tensors) w.Add(name, values, shape, DType.F32);
            w.Write(Path.Combine(tmp, SaeLensFormat.WeightsFile));
            File.WriteAllText(Path.Combine(tmp, SaeLensFormat.ConfigFile), Config(sae).ToJsonString());
            MoveIntoPlace(tmp, full);
        }
        finally
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        }
    }

    /// <summary>A new folder is one rename; into an existing folder, weights first and cfg.json last (each file a rename).</summary>
    private static void MoveIntoPlace(string tmp, string dir)
    {
        if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        if (!Directory.Exists(dir)) { Directory.Move(tmp, dir); return; }
        // A scaler left from an earlier save would describe weights that are no longer there.
        File.Delete(Path.Combine(dir, SaeLensFormat.ScalerFile));
        foreach (var f in new[] { SaeLensFormat.WeightsFile, SaeLensFormat.ConfigFile })
            File.Move(Path.Combine(tmp, f), Path.Combine(dir, f), overwrite: true);
    }

    private static List<(string, float[], long[])> Tensors(Sae s)
    {
        float[] Need(float[]? a, string name, long n) =>
            a is null ? throw new ArgumentException($"a {s.Arch} SAE needs {name}")
            : a.Length != n ? throw new ArgumentException($"{name} has {a.Length} values, expected {n}") : a;
        long dIn = s.DIn, dSae = s.DSae;
        var t = new List<(string, float[], long[])>
        {
            ("W_enc", Need(s.WEnc, "W_enc", dIn * dSae), [dIn, dSae]),
            ("W_dec", Need(s.WDec, "W_dec", dSae * dIn), [dSae, dIn]),
            ("b_dec", Need(s.BDec, "b_dec", dIn), [dIn]),
        };
        if (s.Arch == SaeArchitecture.Gated)
        {
            t.Add(("b_gate", Need(s.BGate, "b_gate", dSae), [dSae]));
            t.Add(("b_mag", Need(s.BMag, "b_mag", dSae), [dSae]));
            t.Add(("r_mag", Need(s.RMag, "r_mag", dSae), [dSae]));
        }
        else t.Add(("b_enc", Need(s.BEnc, "b_enc", dSae), [dSae]));
        if (s.Arch == SaeArchitecture.JumpRelu) t.Add(("threshold", Need(s.Threshold, "threshold", dSae), [dSae]));
        if (s.Arch == SaeArchitecture.TopK && (s.K <= 0 || s.K > s.DSae)) throw new ArgumentException($"topk SAE has k {s.K}, expected 1..{s.DSae}");
        return t;
    }

    private static JsonObject Config(Sae s)
    {
        var meta = new JsonObject
        {
            ["sae_lens_version"] = LayoutVersion,
            ["model_name"] = s.ModelName,
            ["hook_name"] = s.HookName,
            ["hook_layer"] = s.HookLayer >= 0 ? s.HookLayer : null,
            ["hook_head_index"] = null,
        };
        if (s.FoldedNormScale is float f) meta[SaeLensConfig.FoldedScaleKey] = f;
        var o = new JsonObject
        {
            ["d_in"] = s.DIn,
            ["d_sae"] = s.DSae,
            ["dtype"] = "float32",
            ["device"] = "cpu",
            ["apply_b_dec_to_input"] = s.ApplyBDecToInput,
            ["normalize_activations"] = "none",
            ["reshape_activations"] = "none",
            ["metadata"] = meta,
        };
        if (s.Arch == SaeArchitecture.TopK)
        {
            o["k"] = s.K;
            // The pre-6 spelling as well, for readers of older configs.
            o["activation_fn_kwargs"] = new JsonObject { ["k"] = s.K };
        }
        o["architecture"] = s.Arch switch
        {
            SaeArchitecture.Gated => "gated", SaeArchitecture.JumpRelu => "jumprelu", SaeArchitecture.TopK => "topk", _ => "standard",
        };
        return o;
    }
}
