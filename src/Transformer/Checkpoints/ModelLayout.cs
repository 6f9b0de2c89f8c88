namespace NativeTV.Transformer.Checkpoints;

/// <summary>A tensor's Hugging Face name and shape.</summary>
public readonly record struct TensorSpec(string Name, long[] Shape);

/// <summary>
/// One block's tensors by role. Gemma's separate q/k/v and gate/up projections and Phi-3's fused
/// qkv_proj and gate_up_proj are both lists whose rows stack into one fused output.
/// </summary>
public sealed record LayerLayout(TensorSpec InputNorm, TensorSpec[] Qkv, TensorSpec O, TensorSpec PostAttentionNorm, TensorSpec[] GateUp, TensorSpec Down);

/// <summary>Hugging Face tensor names and shapes of a Gemma or Phi-3 checkpoint: the one place they are spelled.</summary>
public static class ModelLayout
{
    public static TensorSpec Embedding(ModelConfig c) => new("model.embed_tokens.weight", [c.VocabSize, c.HiddenSize]);
    public static TensorSpec FinalNorm(ModelConfig c) => new("model.norm.weight", [c.HiddenSize]);
    public static TensorSpec LmHead(ModelConfig c) => new("lm_head.weight", [c.VocabSize, c.HiddenSize]);

    public static LayerLayout Layer(ModelConfig c, int i)
    {
        long d = c.HiddenSize, I = c.IntermediateSize, q = (long)c.Heads * c.HeadDim, kv = (long)c.KvHeads * c.HeadDim;
        string p = $"model.layers.{i}.";
        TensorSpec T(string name, params long[] shape) => new(p + name, shape);
        bool phi3 = c.Arch == Architecture.Phi3;
        return new LayerLayout(
            T("input_layernorm.weight", d),
            phi3 ? [T("self_attn.qkv_proj.weight", q + 2 * kv, d)]
                 : [T("self_attn.q_proj.weight", q, d), T("self_attn.k_proj.weight", kv, d), T("self_attn.v_proj.weight", kv, d)],
            T("self_attn.o_proj.weight", d, q),
            T("post_attention_layernorm.weight", d),
            phi3 ? [T("mlp.gate_up_proj.weight", 2 * I, d)] : [T("mlp.gate_proj.weight", I, d), T("mlp.up_proj.weight", I, d)],
            T("mlp.down_proj.weight", d, I));
    }

    /// <summary>Every tensor of the checkpoint, in the order Hugging Face writes them.</summary>
    public static IEnumerable<TensorSpec> Tensors(ModelConfig c)
    {
        yield return Embedding(c);
        for (int i = 0; i < c.Layers; i++)
        {
            var l = Layer(c, i);
            yield return l.InputNorm;
            foreach (var t in l.Qkv) yield return t;
            yield return l.O;
            yield return l.PostAttentionNorm;
            foreach (var t in l.GateUp) yield return t;
            yield return l.Down;
        }
        yield return FinalNorm(c);
        if (!c.TieWordEmbeddings) yield return LmHead(c);
    }

    public static bool IsNorm(string name) => name.EndsWith("norm.weight", StringComparison.Ordinal);
}
