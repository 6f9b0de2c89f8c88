using NativeTV.Transformer.Checkpoints;
using NativeTV.Kernels;

namespace NativeTV.Transformer.Model;

/// <summary>
/// What the backward of one block needs from its forward: its input, the residual after attention, q/k/v
/// after RoPE, the attention output and its log-sum-exp per query (the attention backward recomputes the
/// probabilities from them) and the MLP pre-activations; for weight gradients also the input of down_proj
/// (the MLP activation).
/// </summary>
internal sealed record SavedLayer(Mat XIn, Mat XMid, Mat Qkv, Mat AttnY, DeviceBuffer<float> Lse, Mat GateUp, Mat? Act);

/// <summary>Saved activations of blocks FromLayer..n_layers-1 only: the backward to resid_pre[L] never goes below L.</summary>
internal sealed class SavedActivations : IDisposable
{
    public int FromLayer { get; }
    private readonly SavedLayer[] _layers;

    public SavedActivations(IBackend be, ModelConfig c, AttentionShape attention, int fromLayer, bool forWeightGrads)
    {
        FromLayer = fromLayer;
        int rows = attention.Batch * attention.SeqLen;
        _layers = new SavedLayer[c.Layers - fromLayer];
        for (int i = 0; i < _layers.Length; i++)
            _layers[i] = new SavedLayer(be.AllocMat(rows, c.HiddenSize), be.AllocMat(rows, c.HiddenSize), be.AllocMat(rows, c.QkvWidth),
                be.AllocMat(rows, c.Heads * c.HeadDim), be.Alloc(attention.ScoreRows), be.AllocMat(rows, 2 * c.IntermediateSize),
                forWeightGrads ? be.AllocMat(rows, c.IntermediateSize) : null);
    }

    /// <summary>The saved activations of block <paramref name="layer"/>, or null below FromLayer.</summary>
    public SavedLayer? Layer(int layer) => layer >= FromLayer ? _layers[layer - FromLayer] : null;

    /// <summary>Bytes kept for the backward from layer L (see the README's memory table).</summary>
    public static long Bytes(ModelConfig c, int batch, int seqLen, int fromLayer)
    {
        long rows = (long)batch * seqLen;
        long perLayer = rows * (2L * c.HiddenSize + c.QkvWidth + (long)c.Heads * c.HeadDim + 2L * c.IntermediateSize + c.Heads);
        return 4 * perLayer * (c.Layers - fromLayer);
    }

    public void Dispose()
    {
        foreach (var l in _layers) { l.XIn.Buf.Dispose(); l.XMid.Buf.Dispose(); l.Qkv.Buf.Dispose(); l.AttnY.Buf.Dispose(); l.Lse.Dispose(); l.GateUp.Buf.Dispose(); l.Act?.Buf.Dispose(); }
    }
}
