using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Model;

/// <summary>A linear layer writing into columns [Offset, Offset + W.Rows) of a fused output (qkv, gate_up).</summary>
public sealed record Projection(DeviceWeight W, int Offset);

public sealed record LayerWeights(
    DeviceWeight InputNorm, Projection[] Qkv, DeviceWeight O,
    DeviceWeight PostAttentionNorm, Projection[] GateUp, DeviceWeight Down);

/// <summary>
/// All weights of a Gemma or Phi-3 model on one backend, in their stored dtype. Gemma's separate
/// q/k/v and gate/up projections and Phi-3's fused ones are both expressed as projections into one
/// fused buffer, so the forward pass has a single code path.
/// </summary>
public sealed class ModelWeights : IDisposable
{
    public required DeviceWeight Embedding { get; init; }
    public required LayerWeights[] Layers { get; init; }
    public required DeviceWeight FinalNorm { get; init; }
    public required DeviceWeight LmHead { get; init; }

    public static ModelWeights Load(ModelConfig c, ITensorSource ck, IBackend be)
    {
        long d = c.HiddenSize, I = c.IntermediateSize, q = (long)c.Heads * c.HeadDim, kv = (long)c.KvHeads * c.HeadDim;
        DeviceWeight W(string name, params long[] shape) => be.Upload(ck.Get(name, shape));
        var embed = W("model.embed_tokens.weight", c.VocabSize, d);
        var layers = new LayerWeights[c.Layers];
        for (int i = 0; i < c.Layers; i++)
        {
            string p = $"model.layers.{i}.";
            Projection[] qkv, gateUp;
            if (c.Arch == Architecture.Phi3)
            {
                qkv = [new(W(p + "self_attn.qkv_proj.weight", q + 2 * kv, d), 0)];
                gateUp = [new(W(p + "mlp.gate_up_proj.weight", 2 * I, d), 0)];
            }
            else
            {
                qkv = [new(W(p + "self_attn.q_proj.weight", q, d), 0), new(W(p + "self_attn.k_proj.weight", kv, d), (int)q), new(W(p + "self_attn.v_proj.weight", kv, d), (int)(q + kv))];
                gateUp = [new(W(p + "mlp.gate_proj.weight", I, d), 0), new(W(p + "mlp.up_proj.weight", I, d), (int)I)];
            }
            layers[i] = new LayerWeights(W(p + "input_layernorm.weight", d), qkv, W(p + "self_attn.o_proj.weight", d, q),
                W(p + "post_attention_layernorm.weight", d), gateUp, W(p + "mlp.down_proj.weight", d, I));
        }
        // A tied lm_head is the (unscaled) embedding; some tied checkpoints still carry a copy we ignore.
        var lmHead = c.TieWordEmbeddings ? embed : W("lm_head.weight", c.VocabSize, d);
        return new ModelWeights { Embedding = embed, Layers = layers, FinalNorm = W("model.norm.weight", d), LmHead = lmHead };
    }

    public IEnumerable<DeviceWeight> All =>
        new[] { Embedding, FinalNorm, LmHead }.Distinct()
            .Concat(Layers.SelectMany(l => l.Qkv.Select(p => p.W).Concat(l.GateUp.Select(p => p.W)).Concat([l.InputNorm, l.O, l.PostAttentionNorm, l.Down])));

    public long Bytes => All.Sum(w => w.Bytes);

    public void Dispose() { foreach (var w in All) w.Dispose(); }
}
