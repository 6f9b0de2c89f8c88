using NativeTV.Transformer.Files;
using System.Text.Json;
using System.Text.Json.Nodes;
using NativeTV.Kernels;

namespace NativeTV.Transformer.Checkpoints;

/// <summary>config.json with every field transformers writes for GemmaConfig / Phi3Config.</summary>
public static class HfConfigWriter
{
    public static JsonObject ToJson(ModelConfig c)
    {
        string dtype = c.DType switch { DType.BF16 => "bfloat16", DType.F16 => "float16", _ => "float32" };
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray(c.Arch == Architecture.Gemma ? "GemmaForCausalLM" : "Phi3ForCausalLM"),
            ["attention_bias"] = false,
            ["attention_dropout"] = 0.0,
            ["bos_token_id"] = c.BosTokenId,
            ["eos_token_id"] = c.EosTokenIds.Length == 1 ? c.EosTokenIds[0] : new JsonArray(c.EosTokenIds.Select(x => (JsonNode)x).ToArray()),
            ["hidden_size"] = c.HiddenSize,
            ["initializer_range"] = 0.02,
            ["intermediate_size"] = c.IntermediateSize,
            ["max_position_embeddings"] = c.MaxPositions,
            ["model_type"] = c.Arch == Architecture.Gemma ? "gemma" : "phi3",
            ["num_attention_heads"] = c.Heads,
            ["num_hidden_layers"] = c.Layers,
            ["num_key_value_heads"] = c.KvHeads,
            ["pad_token_id"] = c.PadTokenId,
            ["rms_norm_eps"] = c.RmsNormEps,
            ["rope_theta"] = c.RopeTheta,
            ["tie_word_embeddings"] = c.TieWordEmbeddings,
            ["torch_dtype"] = dtype,
            ["transformers_version"] = "4.49.0",
            ["use_cache"] = true,
            ["vocab_size"] = c.VocabSize,
        };
        if (c.Arch == Architecture.Gemma)
        {
            o["head_dim"] = c.HeadDim;
            o["hidden_act"] = "gelu_pytorch_tanh";
            o["hidden_activation"] = "gelu_pytorch_tanh";
            o["rope_scaling"] = null;
        }
        else
        {
            o["embd_pdrop"] = 0.0;
            o["resid_pdrop"] = 0.0;
            o["hidden_act"] = "silu";
            o["partial_rotary_factor"] = c.PartialRotaryFactor;
            o["sliding_window"] = c.SlidingWindow > 0 ? c.SlidingWindow : null;
            o["original_max_position_embeddings"] = c.LongRope?.OriginalMaxPositions ?? c.MaxPositions;
            o["rope_scaling"] = c.LongRope is { } lr
                ? new JsonObject
                {
                    ["type"] = "longrope",
                    ["short_factor"] = new JsonArray(lr.ShortFactor.Select(x => (JsonNode)(double)x).ToArray()),
                    ["long_factor"] = new JsonArray(lr.LongFactor.Select(x => (JsonNode)(double)x).ToArray()),
                }
                : null;
        }
        return o;
    }

    public static void Write(ModelConfig c, string path) =>
        AtomicFile.WriteAllText(path, ToJson(c).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
