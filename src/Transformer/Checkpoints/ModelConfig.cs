using System.Text.Json.Nodes;
using NativeTV.Kernels;

namespace NativeTV.Transformer.Checkpoints;

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
        if (CheckpointFiles.ReadJson(path, "a checkpoint folder needs config.json") is not JsonObject o) throw new CheckpointException(path, "not a JSON object");
        try { return Parse(o); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException)
        {
            throw new CheckpointException(path, e.Message);
        }
    }

    public static ModelConfig Parse(JsonObject o)
    {
        string type = JsonFields.String(o, "model_type") ?? throw new ArgumentException("missing model_type");
        var arch = type switch
        {
            "gemma" => Architecture.Gemma,
            "phi3" => Architecture.Phi3,
            _ => throw new ArgumentException($"unsupported model_type '{type}' (NativeTV runs gemma and phi3)"),
        };
        int Req(string k) => Positive(k, JsonFields.Get<int>(o, k) ?? throw new ArgumentException($"missing {k}"));
        int hidden = Req("hidden_size"), heads = Req("num_attention_heads");
        bool gemma = arch == Architecture.Gemma;
        var cfg = new ModelConfig
        {
            Arch = arch,
            HiddenSize = hidden,
            IntermediateSize = Req("intermediate_size"),
            Layers = Req("num_hidden_layers"),
            Heads = heads,
            KvHeads = Positive("num_key_value_heads", JsonFields.Get<int>(o, "num_key_value_heads") ?? heads),
            HeadDim = Positive("head_dim", JsonFields.Get<int>(o, "head_dim") ?? (gemma ? 256 : DerivedHeadDim(hidden, heads))),
            VocabSize = Req("vocab_size"),
            RmsNormEps = JsonFields.Get<double>(o, "rms_norm_eps") ?? 1e-6,
            RopeTheta = JsonFields.Get<double>(o, "rope_theta") ?? 10000.0,
            PartialRotaryFactor = JsonFields.Get<double>(o, "partial_rotary_factor") ?? 1.0,
            MaxPositions = JsonFields.Get<int>(o, "max_position_embeddings") ?? (gemma ? 8192 : 4096),
            SlidingWindow = gemma ? 0 : JsonFields.Get<int>(o, "sliding_window") ?? 0,
            LongRope = gemma ? null : ParseLongRope(o),
            TieWordEmbeddings = JsonFields.Get<bool>(o, "tie_word_embeddings") ?? gemma,
            DType = JsonFields.String(o, "torch_dtype") is { } dt ? DTypes.Parse(dt) : DType.F32,
            BosTokenId = JsonFields.Get<int>(o, "bos_token_id") ?? (gemma ? 2 : 1),
            PadTokenId = JsonFields.Get<int>(o, "pad_token_id") ?? 0,
            EosTokenIds = o["eos_token_id"] switch
            {
                JsonArray a => a.Select(x => x is JsonValue v && v.TryGetValue(out int id) ? id
                    : throw new ArgumentException($"eos_token_id holds {x?.ToJsonString() ?? "null"}, expected integers")).ToArray(),
                null => [],
                _ => [JsonFields.Get<int>(o, "eos_token_id")!.Value],
            },
        };
        cfg.Validate();
        return cfg;
    }

    private static LongRope? ParseLongRope(JsonObject o)
    {
        if (o["rope_scaling"] is not JsonObject rs) return null;
        string kind = JsonFields.String(rs, "rope_type") ?? JsonFields.String(rs, "type") ?? "";
        if (kind == "default") return null;
        if (kind is not ("longrope" or "su" or "yarn"))
            throw new ArgumentException($"rope_scaling type '{kind}' is not supported for phi3 (longrope, su, yarn)");
        float[] F(string k) => (rs[k] as JsonArray ?? throw new ArgumentException($"rope_scaling lacks {k}"))
            .Select(x => x is JsonValue v && v.TryGetValue(out double d) && double.IsFinite(d) ? (float)d : throw new ArgumentException($"rope_scaling {k} holds {x?.ToJsonString() ?? "null"}, expected numbers")).ToArray();
        int orig = JsonFields.Get<int>(o, "original_max_position_embeddings")
            ?? JsonFields.Get<int>(rs, "original_max_position_embeddings")
            ?? throw new ArgumentException("longrope needs original_max_position_embeddings");
        return new LongRope(F("short_factor"), F("long_factor"), orig, JsonFields.Get<double>(rs, "attention_factor"));
    }

    private static int Positive(string key, int v) => v > 0 ? v : throw new ArgumentException($"{key} is {v}, it must be positive");

    /// <summary>Phi-3 without head_dim: hidden_size / num_attention_heads, which must divide exactly.</summary>
    private static int DerivedHeadDim(int hidden, int heads) => hidden % heads == 0 ? hidden / heads
        : throw new ArgumentException($"hidden_size {hidden} is not a multiple of num_attention_heads {heads} (and there is no head_dim)");

    private void Validate()
    {
        if (Heads % KvHeads != 0) throw new ArgumentException($"num_attention_heads {Heads} is not a multiple of num_key_value_heads {KvHeads}");
        if ((long)(Heads + 2L * KvHeads) * HeadDim > int.MaxValue) throw new ArgumentException($"num_attention_heads {Heads}, num_key_value_heads {KvHeads} and head_dim {HeadDim} are too large");
        if (!(RmsNormEps > 0) || !double.IsFinite(RmsNormEps)) throw new ArgumentException($"rms_norm_eps is {RmsNormEps}, it must be positive and finite");
        if (!(RopeTheta > 0) || !double.IsFinite(RopeTheta)) throw new ArgumentException($"rope_theta is {RopeTheta}, it must be positive and finite");
        if (!(PartialRotaryFactor > 0 && PartialRotaryFactor <= 1)) throw new ArgumentException($"partial_rotary_factor is {PartialRotaryFactor}, it must be in (0, 1]");
        if (RotaryDim % 2 != 0 || RotaryDim > HeadDim) throw new ArgumentException($"rotary dim {RotaryDim} must be even and at most head_dim {HeadDim}");
        Positive("max_position_embeddings", MaxPositions);
        if (SlidingWindow < 0) throw new ArgumentException($"sliding_window is {SlidingWindow}, it must be >= 0 (0: none)");
        foreach (var (key, id) in EosTokenIds.Select(id => ("eos_token_id", id)).Prepend(("pad_token_id", PadTokenId)).Prepend(("bos_token_id", BosTokenId)))
            if (id < 0 || id >= VocabSize) throw new ArgumentException($"{key} {id} is outside the vocabulary 0..{VocabSize - 1}");
        if (LongRope is { } lr && (lr.ShortFactor.Length != RotaryDim / 2 || lr.LongFactor.Length != RotaryDim / 2))
            throw new ArgumentException($"rope_scaling factors have {lr.ShortFactor.Length}/{lr.LongFactor.Length} entries, expected rotary_dim/2 = {RotaryDim / 2}");
        if (LongRope is { OriginalMaxPositions: <= 0 } l) throw new ArgumentException($"original_max_position_embeddings is {l.OriginalMaxPositions}, it must be positive");
    }
}
