using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Sae.Formats;

/// <summary>Loads an SAE from any supported public format, deciding by what is on disk.</summary>
public static class SaeLoader
{
    private const string LookedFor =
        "looked for cfg.json + sae_weights.safetensors (SAELens), ae.safetensors (dictionary_learning) or params.npz (Gemma Scope)";

    /// <param name="expectedDIn">The model's d_model, when the SAE is meant for a model: checked against d_in.</param>
    /// <param name="expectedLayer">The resid_pre layer it will be used at, when known: checked by <see cref="HookLayers.Check"/>.</param>
    public static Sae Load(string path, int? expectedDIn = null, int? expectedLayer = null)
    {
        var sae = Dispatch(path);
        if (expectedDIn is int d && sae.DIn != d)
            throw new CheckpointException(sae.Source, $"SAE d_in {sae.DIn} does not match the model's d_model {d}");
        if (expectedLayer is int layer) HookLayers.Check(sae, layer);
        return sae;
    }

    private static Sae Dispatch(string path)
    {
        if (File.Exists(path))
        {
            string name = Path.GetFileName(path), dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (name is SaeLensFormat.ConfigFile or SaeLensFormat.WeightsFile) return SaeLensFormat.Load(dir);
            if (name.EndsWith(".npz", StringComparison.OrdinalIgnoreCase)) return GemmaScopeFormat.Load(path);
            if (name.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) return DictionaryLearningFormat.Load(path);
            throw new CheckpointException(path, $"not an SAE file NativeTV knows ({LookedFor})");
        }
        if (!Directory.Exists(path)) throw new CheckpointException(path, "SAE path not found");
        bool Has(string f) => File.Exists(Path.Combine(path, f));
        if (Has(SaeLensFormat.ConfigFile))
        {
            if (!Has(SaeLensFormat.WeightsFile))
                throw new CheckpointException(path, $"has {SaeLensFormat.ConfigFile} but no {SaeLensFormat.WeightsFile} (SAELens folder)");
            return SaeLensFormat.Load(path);
        }
        if (Has(DictionaryLearningFormat.WeightsFile)) return DictionaryLearningFormat.Load(path);
        if (Has(GemmaScopeFormat.ParamsFile)) return GemmaScopeFormat.Load(path);
        if (Has("ae.pt"))
            throw new CheckpointException(path, "has ae.pt, a torch pickle NativeTV does not read; save the state dict as ae.safetensors (safetensors.torch.save_file(torch.load('ae.pt'), 'ae.safetensors'))");
        throw new CheckpointException(path, $"no SAE found: {LookedFor}");
    }
}
