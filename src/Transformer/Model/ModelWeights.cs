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
/// q/k/v and gate/up projections and Phi-3's fused ones are both projections into one fused buffer,
/// so the forward pass has a single code path.
/// </summary>
public sealed class ModelWeights : IDisposable
{
    public required DeviceWeight Embedding { get; init; }
    public required LayerWeights[] Layers { get; init; }
    public required DeviceWeight FinalNorm { get; init; }
    public required DeviceWeight LmHead { get; init; }

    public static ModelWeights Load(ModelConfig c, ITensorSource src, IBackend be) =>
        Build(c, t => be.Upload(src.Get(t.Name, t.Shape)));

    /// <summary>The weights of <paramref name="c"/>, each made by <paramref name="weight"/> (uploads, or views into trainable buffers).</summary>
    public static ModelWeights Build(ModelConfig c, Func<TensorSpec, DeviceWeight> weight)
    {
        Projection[] Fused(TensorSpec[] parts)
        {
            int offset = 0;
            return parts.Select(t => { var p = new Projection(weight(t), offset); offset += p.W.Rows; return p; }).ToArray();
        }
        var embed = weight(ModelLayout.Embedding(c));
        var layers = Enumerable.Range(0, c.Layers).Select(i =>
        {
            var l = ModelLayout.Layer(c, i);
            return new LayerWeights(weight(l.InputNorm), Fused(l.Qkv), weight(l.O), weight(l.PostAttentionNorm), Fused(l.GateUp), weight(l.Down));
        }).ToArray();
        // A tied lm_head is the (unscaled) embedding; some tied checkpoints still carry a copy we ignore.
        var lmHead = c.TieWordEmbeddings ? embed : weight(ModelLayout.LmHead(c));
        return new ModelWeights { Embedding = embed, Layers = layers, FinalNorm = weight(ModelLayout.FinalNorm(c)), LmHead = lmHead };
    }

    public IEnumerable<DeviceWeight> All =>
        new[] { Embedding, FinalNorm, LmHead }.Distinct()
            .Concat(Layers.SelectMany(l => l.Qkv.Select(p => p.W).Concat(l.GateUp.Select(p => p.W)).Concat([l.InputNorm, l.O, l.PostAttentionNorm, l.Down])));

    public long Bytes => All.Sum(w => w.Bytes);

    public void Dispose() { foreach (var w in All) w.Dispose(); }
}
