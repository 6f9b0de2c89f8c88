namespace NativeTV.Transformer.Model;

/// <summary>Hugging Face tensor names and shapes of a Gemma or Phi-3 checkpoint.</summary>
public static class ModelLayout
{
    public static IEnumerable<(string Name, long[] Shape)> Tensors(ModelConfig c)
    {
        long d = c.HiddenSize, I = c.IntermediateSize, q = (long)c.Heads * c.HeadDim, kv = (long)c.KvHeads * c.HeadDim;
        yield return ("model.embed_tokens.weight", [c.VocabSize, d]);
        for (int i = 0; i < c.Layers; i++)
        {
            string p = $"model.layers.{i}.";
            yield return (p + "input_layernorm.weight", [d]);
            if (c.Arch == Architecture.Phi3)
            {
                yield return (p + "self_attn.qkv_proj.weight", [q + 2 * kv, d]);
                yield return (p + "self_attn.o_proj.weight", [d, q]);
                yield return (p + "post_attention_layernorm.weight", [d]);
                yield return (p + "mlp.gate_up_proj.weight", [2 * I, d]);
            }
            else
            {
                yield return (p + "self_attn.q_proj.weight", [q, d]);
                yield return (p + "self_attn.k_proj.weight", [kv, d]);
                yield return (p + "self_attn.v_proj.weight", [kv, d]);
                yield return (p + "self_attn.o_proj.weight", [d, q]);
                yield return (p + "post_attention_layernorm.weight", [d]);
                yield return (p + "mlp.gate_proj.weight", [I, d]);
                yield return (p + "mlp.up_proj.weight", [I, d]);
            }
            yield return (p + "mlp.down_proj.weight", [d, I]);
        }
        yield return ("model.norm.weight", [d]);
        if (!c.TieWordEmbeddings) yield return ("lm_head.weight", [c.VocabSize, d]);
    }

    public static bool IsNorm(string name) => name.EndsWith("norm.weight", StringComparison.Ordinal);
}
