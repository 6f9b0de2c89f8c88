using NativeTV.Transformer.Checkpoints;
using NativeTV.Kernels;

namespace NativeTV.Transformer.Model;

/// <summary>
/// Everything one forward pass over a batch needs on the device: the tokens, mask, positions and
/// RoPE tables, and the activation buffers that every layer reuses.
/// </summary>
internal sealed class Workspace : IDisposable
{
    public DeviceBuffer<int> Ids { get; }
    public DeviceBuffer<int> Mask { get; }
    public DeviceBuffer<int> Positions { get; }
    public DeviceBuffer<float> Cos { get; }
    public DeviceBuffer<float> Sin { get; }
    public AttentionShape Attention { get; }
    public Mat Resid { get; }
    public Mat Normed { get; }
    public Mat Qkv { get; }
    public Mat AttnOut { get; }
    public Mat Sublayer { get; }
    public Mat GateUp { get; }
    public Mat Act { get; }
    /// <summary>Attention's log-sum-exp per query in blocks whose forward is not kept; the attention backward's scratch.</summary>
    public DeviceBuffer<float> Lse { get; }
    private readonly List<IDisposable> _owned = [];

    public Workspace(IBackend be, ModelConfig c, TokenBatch tok)
    {
        int rows = tok.Batch * tok.SeqLen;
        var positions = tok.Positions();
        var rope = new RopeTable(c, positions.Max() + 1);
        Ids = Own(be.Upload(tok.Ids));
        Mask = Own(be.Upload(tok.Mask));
        Positions = Own(be.Upload(positions));
        Cos = Own(be.Upload(rope.Cos));
        Sin = Own(be.Upload(rope.Sin));
        Attention = new AttentionShape(tok.Batch, tok.SeqLen, c.Heads, c.KvHeads, c.HeadDim, 1f / MathF.Sqrt(c.HeadDim), c.SlidingWindow);
        Mat M(int cols) => Own(be.AllocMat(rows, cols));
        Resid = M(c.HiddenSize);
        Normed = M(c.HiddenSize);
        Qkv = M(c.QkvWidth);
        AttnOut = M(c.Heads * c.HeadDim);
        Sublayer = M(c.HiddenSize);
        GateUp = M(2 * c.IntermediateSize);
        Act = M(c.IntermediateSize);
        Lse = Own(be.Alloc(Attention.ScoreRows));
    }

    /// <summary>Bytes of activations one forward pass needs (for `info` and memory planning).</summary>
    public static long Bytes(ModelConfig c, int batch, int seqLen)
    {
        long rows = (long)batch * seqLen;
        long floats = rows * (3L * c.HiddenSize + c.QkvWidth + c.Heads * c.HeadDim + 3L * c.IntermediateSize + c.Heads);
        return floats * 4 + rows * 12;
    }

    private T Own<T>(T b) where T : IDisposable { _owned.Add(b); return b; }
    private Mat Own(Mat m) { _owned.Add(m.Buf); return m; }

    public void Dispose() { foreach (var b in _owned) b.Dispose(); }
}
