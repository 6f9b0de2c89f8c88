using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Model;

/// <summary>
/// A Gemma-1 or Phi-3 model on one backend: a single forward code path for both architectures,
/// built from the backend's op set, with TransformerLens-style hooks.
/// </summary>
public sealed class TransformerModel : IDisposable
{
    public ModelConfig Config { get; }
    public IBackend Backend { get; }
    public ModelWeights Weights { get; }
    private readonly Checkpoint? _checkpoint;

    public TransformerModel(ModelConfig config, IBackend backend, ModelWeights weights, Checkpoint? checkpoint = null)
    {
        Config = config; Backend = backend; Weights = weights; _checkpoint = checkpoint;
    }

    public static TransformerModel Load(string dir, IBackend backend)
    {
        var ck = Checkpoint.Open(dir);
        try { return new TransformerModel(ck.Config, backend, ModelWeights.Load(ck.Config, ck, backend), ck); }
        catch { ck.Dispose(); throw; }
    }

    /// <summary>Device memory for the activations of one forward pass (weights not included).</summary>
    public static long ActivationBytes(ModelConfig c, int batch, int seqLen) => Workspace.Bytes(c, batch, seqLen);

    public ForwardResult Forward(ForwardRequest req)
    {
        var c = Config;
        var tok = req.Tokens;
        Validate(req);
        int rows = tok.Batch * tok.SeqLen, d = c.HiddenSize;
        int lastLayer = req.LogitRows.Length > 0 ? c.Layers : LastLayerNeeded(req);
        var positions = tok.Positions();
        var rope = new RopeTable(c, positions.Max() + 1);
        var be = Backend;
        using var ws = new Workspace(be, c, tok.Batch, tok.SeqLen);
        be.CopyToDevice<int>(tok.Ids, ws.Ids);
        be.CopyToDevice<int>(tok.Mask, ws.Mask);
        be.CopyToDevice<int>(positions, ws.Positions);
        using var cos = be.Upload(rope.Cos);
        using var sin = be.Upload(rope.Sin);
        var result = new ForwardResult();
        var hooks = new HookRunner(be, req, result);

        var x = ws.Resid;
        be.Embedding(Weights.Embedding, ws.Ids, c.EmbeddingScale, x);
        hooks.At(new(HookPoint.ResidPre, 0), x);
        var attn = new AttentionShape(tok.Batch, tok.SeqLen, c.Heads, c.KvHeads, c.HeadDim, 1f / MathF.Sqrt(c.HeadDim), c.SlidingWindow);
        int qw = c.Heads * c.HeadDim, kw = c.KvHeads * c.HeadDim, I = c.IntermediateSize;
        for (int L = 0; L < lastLayer; L++)
        {
            var lw = Weights.Layers[L];
            be.RmsNorm(x, lw.InputNorm, (float)c.RmsNormEps, c.NormWeightOffset, ws.Normed);
            foreach (var p in lw.Qkv) be.MatMul(ws.Normed, p.W, ws.Qkv.Columns(p.Offset, p.W.Rows));
            Mat q = ws.Qkv.Columns(0, qw), k = ws.Qkv.Columns(qw, kw), v = ws.Qkv.Columns(qw + kw, kw);
            be.Rope(q, c.Heads, c.HeadDim, c.RotaryDim, ws.Positions, cos, sin);
            be.Rope(k, c.KvHeads, c.HeadDim, c.RotaryDim, ws.Positions, cos, sin);
            be.Attention(q, k, v, ws.Mask, attn, ws.Probs, ws.AttnOut);
            be.MatMul(ws.AttnOut, lw.O, ws.Sublayer);
            hooks.At(new(HookPoint.AttnOut, L), ws.Sublayer);
            be.Add(x, ws.Sublayer);

            be.RmsNorm(x, lw.PostAttentionNorm, (float)c.RmsNormEps, c.NormWeightOffset, ws.Normed);
            foreach (var p in lw.GateUp) be.MatMul(ws.Normed, p.W, ws.GateUp.Columns(p.Offset, p.W.Rows));
            be.GatedActivation(ws.GateUp.Columns(0, I), ws.GateUp.Columns(I, I), c.Activation, ws.Act);
            be.MatMul(ws.Act, lw.Down, ws.Sublayer);
            hooks.At(new(HookPoint.MlpOut, L), ws.Sublayer);
            be.Add(x, ws.Sublayer);
            hooks.At(new(HookPoint.ResidPost, L), x);
            hooks.At(new(HookPoint.ResidPre, L + 1), x);
        }
        if (req.LogitRows.Length > 0) result.Logits = Logits(x, req.LogitRows);
        return result;
    }

    /// <summary>Final norm and lm_head at the chosen rows only (Gemma's vocabulary is 256,000).</summary>
    private float[] Logits(Mat x, int[] rows)
    {
        var be = Backend;
        using var rowBuf = be.Upload(rows);
        using var gathered = be.Alloc((long)rows.Length * x.Cols);
        using var normed = be.Alloc((long)rows.Length * x.Cols);
        using var logits = be.Alloc((long)rows.Length * Config.VocabSize);
        var g = Mat.Of(gathered, rows.Length, x.Cols);
        be.GatherRows(x, rowBuf, g);
        be.RmsNorm(g, Weights.FinalNorm, (float)Config.RmsNormEps, Config.NormWeightOffset, Mat.Of(normed, rows.Length, x.Cols));
        be.MatMul(Mat.Of(normed, rows.Length, x.Cols), Weights.LmHead, Mat.Of(logits, rows.Length, Config.VocabSize));
        return be.Download(logits);
    }

    private int LastLayerNeeded(ForwardRequest req)
    {
        int last = 0;
        foreach (var k in req.Reads.Select(r => r.Key))
            last = Math.Max(last, k.Point == HookPoint.ResidPre ? k.Layer : k.Layer + 1);
        return last;
    }

    private void Validate(ForwardRequest req)
    {
        var tok = req.Tokens;
        int rows = tok.Batch * tok.SeqLen;
        for (int i = 0; i < tok.Ids.Length; i++)
            if (tok.Ids[i] < 0 || tok.Ids[i] >= Config.VocabSize)
                throw new ArgumentException($"token id {tok.Ids[i]} (row {i / tok.SeqLen}, position {i % tok.SeqLen}) is outside the vocabulary of {Config.VocabSize}");
        foreach (var (key, r) in req.Reads.Select(h => (h.Key, h.Rows)).Concat(req.Adds.Select(h => (h.Key, h.Rows))))
        {
            int maxLayer = key.Point == HookPoint.ResidPre ? Config.Layers : Config.Layers - 1;
            if (key.Layer < 0 || key.Layer > maxLayer) throw new ArgumentException($"hook {key}: layer must be in 0..{maxLayer}");
            if (r.Any(x => x < 0 || x >= rows)) throw new ArgumentException($"hook {key}: a position is outside the batch ({tok.Batch} x {tok.SeqLen})");
        }
        foreach (var a in req.Adds)
            if (a.Vector.Length != Config.HiddenSize) throw new ArgumentException($"steering vector has {a.Vector.Length} values, the model's d_model is {Config.HiddenSize}");
        if (req.LogitRows.Any(x => x < 0 || x >= rows)) throw new ArgumentException($"a logit position is outside the batch ({tok.Batch} x {tok.SeqLen})");
    }

    public void Dispose()
    {
        Weights.Dispose();
        _checkpoint?.Dispose();
    }
}
