using System.Text.Json;
using System.Text.Json.Nodes;
using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Model;

/// <summary>Longrope (Phi-3 "longrope", "su", "yarn") frequency rescaling, read from rope_scaling.</summary>
public sealed record LongRope(float[] ShortFactor, float[] LongFactor, int OriginalMaxPositions, double? AttentionFactor);

/// <summary>
/// The fields of a Hugging Face config.json that the forward pass needs, with transformers' defaults
/// for Gemma (GemmaConfig) and Phi-3 (Phi3Config).
/// </summary>
public sealed record ModelConfig
{
    public required Architecture Arch { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int Layers { get; init; }
    public required int Heads { get; init; }
    public required int KvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int VocabSize { get; init; }
    public required double RmsNormEps { get; init; }
    public required double RopeTheta { get; init; }
    public required double PartialRotaryFactor { get; init; }
    public required int MaxPositions { get; init; }
    public int SlidingWindow { get; init; }
    public LongRope? LongRope { get; init; }
    public required bool TieWordEmbeddings { get; init; }
    public required DType DType { get; init; }
    public int BosTokenId { get; init; }
    public int PadTokenId { get; init; }
    public int[] EosTokenIds { get; init; } = [];

    /// <summary>Dimensions rotated by RoPE: int(head_dim * partial_rotary_factor), as transformers computes it.</summary>
    public int RotaryDim => (int)(HeadDim * PartialRotaryFactor);
    public int QkvWidth => (Heads + 2 * KvHeads) * HeadDim;

    /// <summary>RMSNorm gain is (1 + w) in Gemma, w in Phi-3.</summary>
    public float NormWeightOffset => Arch == Architecture.Gemma ? 1f : 0f;
    public GateActivation Activation => Arch == Architecture.Gemma ? GateActivation.GeluTanh : GateActivation.Silu;

    /// <summary>Gemma multiplies embeddings by sqrt(hidden_size) cast to the model dtype; Phi-3 does not scale.</summary>
    public float EmbeddingScale => Arch == Architecture.Gemma ? DType.RoundTo((float)Math.Sqrt(HiddenSize)) : 1f;

    public long ParameterCount
    {
        get
        {
            long d = HiddenSize, perLayer = d * QkvWidth + (long)Heads * HeadDim * d + 3 * d * IntermediateSize + 2 * d;
            return (long)VocabSize * d * (TieWordEmbeddings ? 1 : 2) + Layers * perLayer + d;
        }
    }

    public static ModelConfig Load(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, "file not found (a checkpoint folder needs config.json)");
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new CheckpointException(path, $"not valid JSON ({e.Message})"); }
        if (root is not JsonObject o) throw new CheckpointException(path, "not a JSON object");
        try { return Parse(o); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException)
        {
            throw new CheckpointException(path, e.Message);
        }
    }

    public static ModelConfig Parse(JsonObject o)
    {
        string type = o["model_type"]?.GetValue<string>() ?? throw new ArgumentException("missing model_type");
        var arch = type switch
        {
            "gemma" => Architecture.Gemma,
            "phi3" => Architecture.Phi3,
            _ => throw new ArgumentException($"unsupported model_type '{type}' (NativeTV runs gemma and phi3)"),
        };
        int Req(string k) => o[k]?.GetValue<int>() ?? throw new ArgumentException($"missing {k}");
        int hidden = Req("hidden_size"), heads = Req("num_attention_heads");
        bool gemma = arch == Architecture.Gemma;
        var cfg = new ModelConfig
        {
            Arch = arch,
            HiddenSize = hidden,
            IntermediateSize = Req("intermediate_size"),
            Layers = Req("num_hidden_layers"),
            Heads = heads,
            KvHeads = o["num_key_value_heads"]?.GetValue<int>() ?? heads,
            HeadDim = o["head_dim"]?.GetValue<int>() ?? (gemma ? 256 : hidden / heads),
            VocabSize = Req("vocab_size"),
            RmsNormEps = o["rms_norm_eps"]?.GetValue<double>() ?? 1e-6,
            RopeTheta = o["rope_theta"]?.GetValue<double>() ?? 10000.0,
            PartialRotaryFactor = o["partial_rotary_factor"]?.GetValue<double>() ?? 1.0,
            MaxPositions = o["max_position_embeddings"]?.GetValue<int>() ?? (gemma ? 8192 : 4096),
            SlidingWindow = gemma ? 0 : o["sliding_window"]?.GetValue<int>() ?? 0,
            LongRope = gemma ? null : ParseLongRope(o),
            TieWordEmbeddings = o["tie_word_embeddings"]?.GetValue<bool>() ?? gemma,
            DType = o["torch_dtype"]?.GetValue<string>() is { } dt ? DTypes.Parse(dt) : DType.F32,
            BosTokenId = o["bos_token_id"]?.GetValue<int>() ?? (gemma ? 2 : 1),
            PadTokenId = o["pad_token_id"]?.GetValue<int>() ?? 0,
            EosTokenIds = o["eos_token_id"] switch
            {
                JsonArray a => a.Select(x => x!.GetValue<int>()).ToArray(),
                JsonValue v => [v.GetValue<int>()],
                _ => [],
            },
        };
        cfg.Validate();
        return cfg;
    }

    private static LongRope? ParseLongRope(JsonObject o)
    {
        if (o["rope_scaling"] is not JsonObject rs) return null;
        string kind = (rs["rope_type"] ?? rs["type"])?.GetValue<string>() ?? "";
        if (kind == "default") return null;
        if (kind is not ("longrope" or "su" or "yarn"))
            throw new ArgumentException($"rope_scaling type '{kind}' is not supported for phi3 (longrope, su, yarn)");
        float[] F(string k) => (rs[k] as JsonArray ?? throw new ArgumentException($"rope_scaling lacks {k}")).Select(x => (float)x!.GetValue<double>()).ToArray();
        int orig = o["original_max_position_embeddings"]?.GetValue<int>()
            ?? rs["original_max_position_embeddings"]?.GetValue<int>()
            ?? throw new ArgumentException("longrope needs original_max_position_embeddings");
        return new LongRope(F("short_factor"), F("long_factor"), orig, rs["attention_factor"]?.GetValue<double>());
    }

    private void Validate()
    {
        if (HiddenSize <= 0 || Layers <= 0 || Heads <= 0 || KvHeads <= 0 || HeadDim <= 0 || VocabSize <= 0 || IntermediateSize <= 0)
            throw new ArgumentException("sizes must be positive");
        if (Heads % KvHeads != 0) throw new ArgumentException($"num_attention_heads {Heads} is not a multiple of num_key_value_heads {KvHeads}");
        if (RotaryDim % 2 != 0 || RotaryDim > HeadDim) throw new ArgumentException($"rotary dim {RotaryDim} must be even and at most head_dim {HeadDim}");
        if (LongRope is { } lr && (lr.ShortFactor.Length != RotaryDim / 2 || lr.LongFactor.Length != RotaryDim / 2))
            throw new ArgumentException($"rope_scaling factors have {lr.ShortFactor.Length}/{lr.LongFactor.Length} entries, expected rotary_dim/2 = {RotaryDim / 2}");
    }
}
