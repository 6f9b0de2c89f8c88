using NativeTV.Kernels;

namespace NativeTV.Transformer.Model;

/// <summary>The activation buffers of one forward pass over a [Batch, SeqLen] batch, reused by every layer.</summary>
internal sealed class Workspace : IDisposable
{
    public DeviceBuffer<int> Ids { get; }
    public DeviceBuffer<int> Mask { get; }
    public DeviceBuffer<int> Positions { get; }
    public Mat Resid { get; }
    public Mat Normed { get; }
    public Mat Qkv { get; }
    public Mat AttnOut { get; }
    public Mat Sublayer { get; }
    public Mat GateUp { get; }
    public Mat Act { get; }
    public DeviceBuffer<float> Probs { get; }
    private readonly List<IDisposable> _owned = [];

    public Workspace(IBackend be, ModelConfig c, int batch, int seqLen)
    {
        int rows = batch * seqLen;
        Ids = Own(be.AllocInts(rows));
        Mask = Own(be.AllocInts(rows));
        Positions = Own(be.AllocInts(rows));
        Mat M(int cols) => Mat.Of(Own(be.Alloc((long)rows * cols)), rows, cols);
        Resid = M(c.HiddenSize);
        Normed = M(c.HiddenSize);
        Qkv = M(c.QkvWidth);
        AttnOut = M(c.Heads * c.HeadDim);
        Sublayer = M(c.HiddenSize);
        GateUp = M(2 * c.IntermediateSize);
        Act = M(c.IntermediateSize);
        Probs = Own(be.Alloc((long)batch * c.Heads * seqLen * seqLen));
    }

    /// <summary>Bytes of activations one forward pass needs (for `info` and memory planning).</summary>
    public static long Bytes(ModelConfig c, int batch, int seqLen)
    {
        long rows = (long)batch * seqLen;
        long floats = rows * (3L * c.HiddenSize + c.QkvWidth + c.Heads * c.HeadDim + 3L * c.IntermediateSize)
            + (long)batch * c.Heads * seqLen * seqLen;
        return floats * 4 + rows * 12;
    }

    private T Own<T>(T b) where T : IDisposable { _owned.Add(b); return b; }

    public void Dispose() { foreach (var b in _owned) b.Dispose(); }
}
