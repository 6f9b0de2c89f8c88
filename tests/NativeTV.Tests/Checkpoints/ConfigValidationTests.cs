using System.Text.Json.Nodes;
using NativeTV.Tests.Models;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;

namespace NativeTV.Tests.Checkpoints;

/// <summary>Every config.json value the forward pass cannot use is a CheckpointException naming config.json and the field.</summary>
public class ConfigValidationTests
{
    private static void Expect(bool phi3, string field, string json, string problem)
    {
        var path = Path.Combine(TinyModels.Write(phi3 ? TinyModels.Phi3LongRope() : TinyModels.Gemma()), "config.json");
        var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        o[field] = JsonNode.Parse(json);
        File.WriteAllText(path, o.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => ModelConfig.Load(path))!;
        Assert.That(e.Message, Does.StartWith(path + ": ").And.Contain(problem));
    }

    [TestCase(true, "num_attention_heads", "0", "num_attention_heads is 0, it must be positive")]
    [TestCase(false, "hidden_size", "-8", "hidden_size is -8")]
    [TestCase(false, "num_hidden_layers", "0", "num_hidden_layers is 0")]
    [TestCase(false, "intermediate_size", "0", "intermediate_size is 0")]
    [TestCase(false, "vocab_size", "0", "vocab_size is 0")]
    [TestCase(false, "num_key_value_heads", "0", "num_key_value_heads is 0")]
    [TestCase(false, "head_dim", "0", "head_dim is 0")]
    [TestCase(true, "hidden_size", "50", "hidden_size 50 is not a multiple of num_attention_heads 4")]
    [TestCase(false, "rms_norm_eps", "0", "rms_norm_eps is 0")]
    [TestCase(false, "rms_norm_eps", "-1e-6", "rms_norm_eps is -1E-06")]
    [TestCase(false, "rope_theta", "0", "rope_theta is 0")]
    [TestCase(false, "partial_rotary_factor", "0", "partial_rotary_factor is 0")]
    [TestCase(false, "max_position_embeddings", "0", "max_position_embeddings is 0")]
    [TestCase(true, "sliding_window", "-1", "sliding_window is -1")]
    [TestCase(false, "bos_token_id", "67", "bos_token_id 67 is outside the vocabulary 0..66")]
    [TestCase(false, "pad_token_id", "-1", "pad_token_id -1 is outside")]
    [TestCase(false, "eos_token_id", "[1, 999]", "eos_token_id 999 is outside")]
    [TestCase(false, "eos_token_id", "[1, null]", "eos_token_id holds null")]
    [TestCase(false, "hidden_size", "\"40\"", "hidden_size is \"40\", expected an integer")]
    [TestCase(false, "rope_theta", "\"big\"", "rope_theta is \"big\", expected a number")]
    [TestCase(false, "model_type", "3", "model_type is 3, expected a string")]
    [TestCase(false, "num_attention_heads", "100000000", "too large")]
    public void BadField(bool phi3, string field, string json, string problem) => Expect(phi3, field, json, problem);
}
