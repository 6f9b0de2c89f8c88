using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Sae.Formats;

/// <summary>
/// A SAELens cfg.json of any version, flattened to the fields NativeTV uses. SAELens >= 6 nests the
/// hook and model names under "metadata"; older files are flat and use older names (hook_point,
/// hook_point_layer, activation_fn_str), may omit architecture / apply_b_dec_to_input, and may spell
/// normalize_activations as a bool. Conventions: tests/fixtures/sae/README.md.
/// </summary>
internal sealed record SaeLensConfig(
    SaeArchitecture Arch, int DIn, int DSae, int K, bool ApplyBDecToInput, string NormalizeActivations,
    string HookName, int HookLayer, string ModelName, float? FoldedNormScale)
{
    // Old name -> current name. A current name already present wins.
    private static readonly (string Old, string New)[] Renames =
    [
        ("hook_point", "hook_name"), ("hook_point_layer", "hook_layer"),
        ("hook_point_head_index", "hook_head_index"), ("activation_fn_str", "activation_fn"),
    ];

    /// <summary>Written by SaeLensWriter into metadata: the scale NativeTV already folded (provenance only).</summary>
    public const string FoldedScaleKey = "nativetv_folded_norm_scale";

    public static SaeLensConfig Load(string path)
    {
        if (CheckpointFiles.ReadJson(path, "a SAELens folder needs cfg.json") is not JsonObject o) throw new CheckpointException(path, "not a JSON object");
        try { return Parse(Flatten(o)); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
        {
            throw new CheckpointException(path, e.Message);
        }
    }

    private static Dictionary<string, JsonNode?> Flatten(JsonObject o)
    {
        var flat = new Dictionary<string, JsonNode?>();
        if ((o["metadata"] ?? o["meta"]) is JsonObject meta)
            foreach (var (k, v) in meta) flat[k] = v;
        foreach (var (k, v) in o)
            if (k is not ("metadata" or "meta")) flat[k] = v;
        foreach (var (oldName, newName) in Renames)
            if (flat.TryGetValue(oldName, out var v) && (!flat.TryGetValue(newName, out var cur) || cur is null))
                flat[newName] = v;
        return flat;
    }

    private static SaeLensConfig Parse(Dictionary<string, JsonNode?> c)
    {
        JsonNode? Get(string k) => c.TryGetValue(k, out var v) ? v : null;
        int ReqInt(string k) => Get(k) is { } v ? AsInt(v, k) : throw new ArgumentException($"missing field '{k}'");

        int dIn = ReqInt("d_in"), dSae = ReqInt("d_sae");
        if (dIn <= 0 || dSae <= 0) throw new ArgumentException($"d_in {dIn} and d_sae {dSae} must be positive");

        string activation = Get("activation_fn")?.GetValue<string>() ?? "relu";
        string archName = Get("architecture")?.GetValue<string>() ?? "standard";
        var arch = archName switch
        {
            "standard" => activation switch
            {
                "relu" => SaeArchitecture.Standard,
                "topk" => SaeArchitecture.TopK, // pre-6 TopK: architecture stays "standard"
                _ => throw new ArgumentException($"activation_fn '{activation}' is not supported (NativeTV reads relu and topk standard SAEs)"),
            },
            "gated" => SaeArchitecture.Gated,
            "jumprelu" => SaeArchitecture.JumpRelu,
            "topk" => SaeArchitecture.TopK,
            _ => throw new ArgumentException($"unknown architecture '{archName}' (NativeTV reads standard, gated, jumprelu, topk)"),
        };

        int k = 0;
        if (arch == SaeArchitecture.TopK)
        {
            var kNode = Get("k") ?? (Get("activation_fn_kwargs") as JsonObject)?["k"]
                ?? throw new ArgumentException("a topk SAE needs 'k' (or activation_fn_kwargs.k)");
            k = AsInt(kNode, "k");
            if (k <= 0 || k > dSae) throw new ArgumentException($"k {k} must be in 1..d_sae ({dSae})");
        }

        // Absent from the oldest files; SAELens fills in true.
        bool applyBDec = Get("apply_b_dec_to_input")?.GetValue<bool>() ?? true;

        string norm = Get("normalize_activations") switch
        {
            null => "none",
            JsonValue v when v.GetValueKind() is JsonValueKind.True => "expected_average_only_in",
            JsonValue v when v.GetValueKind() is JsonValueKind.False => "none",
            var v => v.GetValue<string>(),
        };

        string reshape = Get("reshape_activations")?.GetValue<string>() ?? "none";
        if (reshape != "none")
            throw new ArgumentException($"reshape_activations '{reshape}' is not supported (NativeTV SAEs read one d_in vector per position)");

        string hook = Get("hook_name")?.GetValue<string>() ?? "";
        int layer = Get("hook_layer") is { } hl ? AsInt(hl, "hook_layer") : LayerOf(hook);
        string model = Get("model_name")?.GetValue<string>() ?? "";
        float? folded = Get(FoldedScaleKey) is { } fs ? (float)fs.GetValue<double>() : null;
        return new SaeLensConfig(arch, dIn, dSae, k, applyBDec, norm, hook, layer, model, folded);
    }

    /// <summary>Recent 6.x files drop hook_layer; it is the N of blocks.N.* in the hook name.</summary>
    public static int LayerOf(string hook) =>
        Regex.Match(hook, @"^blocks\.(\d+)\.") is { Success: true } m ? HookLayers.Parse(m.Groups[1].Value, hook) : -1;

    // Numbers may be written as 5 or 5.0 (SAELens 6.11 allows a float k).
    private static int AsInt(JsonNode n, string key)
    {
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            double d = v.GetValue<double>();
            if (d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue) return (int)d;
        }
        throw new ArgumentException($"field '{key}' is {n.ToJsonString()}, expected an integer");
    }
}
