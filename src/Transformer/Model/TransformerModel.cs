using NativeTV.Kernels;
using NativeTV.Kernels.Native;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Model;

/// <summary>
/// A Gemma-1 or Phi-3 model on one backend: a single forward code path for both architectures,
/// built from the backend's op set, with TransformerLens-style hooks. The backward (to the residual
/// stream for steering, and to the weights for training) is in TransformerModel.Backward.cs.
/// </summary>
public sealed partial class TransformerModel : IDisposable
{
    public ModelConfig Config { get; }
    public IBackend Backend { get; }
    public ModelWeights Weights { get; }
    private readonly Checkpoint? _checkpoint;
    /// <summary>The checkpoint folder it was loaded from; null for weights built in memory.</summary>
    public string? Dir => _checkpoint?.Dir;

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
        Validate(req);
        int lastLayer = req.LogitRows.Length > 0 ? Config.Layers : LastLayerNeeded(req);
        var result = new ForwardResult();
        using var ws = new Workspace(Backend, Config, req.Tokens);
        RunBlocks(ws, new HookRunner(Backend, req, result), lastLayer, saved: null);
        if (req.LogitRows.Length > 0)
        {
            using var head = new LogitHead(this, ws.Resid, req.LogitRows);
            result.Logits = Backend.Download(head.Logits.Buf);
        }
        return result;
    }

    /// <summary>
    /// Embedding and blocks 0..lastLayer-1 on ws.Resid. Blocks with an entry in <paramref name="saved"/>
    /// keep what their backward needs there (inputs, q/k/v, attention output and log-sum-exp, MLP pre-activations).
    /// </summary>
    private void RunBlocks(Workspace ws, HookRunner hooks, int lastLayer, SavedActivations? saved)
    {
        var c = Config;
        var be = Backend;
        var x = ws.Resid;
        using var stage = new NvtxStages();
        stage.Enter("embedding");
        be.Embedding(Weights.Embedding, ws.Ids, c.EmbeddingScale, x);
        hooks.At(new(HookPoint.ResidPre, 0), x);
        for (int L = 0; L < lastLayer; L++)
        {
            var lw = Weights.Layers[L];
            var keep = saved?.Layer(L);
            Mat qkv = keep?.Qkv ?? ws.Qkv, gateUp = keep?.GateUp ?? ws.GateUp;
            if (keep != null) be.Copy(x, keep.XIn);

            stage.Enter("attention", L);
            be.RmsNorm(x, lw.InputNorm, (float)c.RmsNormEps, c.NormWeightOffset, ws.Normed);
            foreach (var p in lw.Qkv) be.MatMul(ws.Normed, p.W, qkv.Columns(p.Offset, p.W.Rows));
            var (q, k, v) = SplitQkv(qkv);
            be.Rope(q, c.Heads, c.HeadDim, c.RotaryDim, ws.Positions, ws.Cos, ws.Sin);
            be.Rope(k, c.KvHeads, c.HeadDim, c.RotaryDim, ws.Positions, ws.Cos, ws.Sin);
            var attnY = keep?.AttnY ?? ws.AttnOut;
            be.Attention(q, k, v, ws.Mask, ws.Attention, attnY, keep?.Lse ?? ws.Lse);
            be.MatMul(attnY, lw.O, ws.Sublayer);
            hooks.At(new(HookPoint.AttnOut, L), ws.Sublayer);
            be.Add(x, ws.Sublayer);
            if (keep != null) be.Copy(x, keep.XMid);

            stage.Enter("mlp", L);
            be.RmsNorm(x, lw.PostAttentionNorm, (float)c.RmsNormEps, c.NormWeightOffset, ws.Normed);
            foreach (var p in lw.GateUp) be.MatMul(ws.Normed, p.W, gateUp.Columns(p.Offset, p.W.Rows));
            var act = keep?.Act ?? ws.Act;
            be.GatedActivation(gateUp.Columns(0, c.IntermediateSize), gateUp.Columns(c.IntermediateSize, c.IntermediateSize), c.Activation, act);
            be.MatMul(act, lw.Down, ws.Sublayer);
            hooks.At(new(HookPoint.MlpOut, L), ws.Sublayer);
            be.Add(x, ws.Sublayer);
            hooks.At(new(HookPoint.ResidPost, L), x);
            hooks.At(new(HookPoint.ResidPre, L + 1), x);
        }
    }

    /// <summary>The q, k and v column blocks of a fused [rows, (Hq + 2 Hkv) head_dim] buffer.</summary>
    private (Mat q, Mat k, Mat v) SplitQkv(Mat qkv)
    {
        int qw = Config.Heads * Config.HeadDim, kw = Config.KvHeads * Config.HeadDim;
        return (qkv.Columns(0, qw), qkv.Columns(qw, kw), qkv.Columns(qw + kw, kw));
    }

    private static int LastLayerNeeded(ForwardRequest req)
    {
        int last = 0;
        foreach (var k in req.Reads.Select(r => r.Key))
            last = Math.Max(last, k.Point == HookPoint.ResidPre ? k.Layer : k.Layer + 1);
        return last;
    }

    private bool _warnedLength;

    private void Validate(ForwardRequest req)
    {
        var tok = req.Tokens;
        int rows = tok.Batch * tok.SeqLen;
        // Past max_position_embeddings the model was never trained: numbers there are extrapolation, said once.
        if (tok.SeqLen > Config.MaxPositions && !_warnedLength)
        {
            _warnedLength = true;
            Console.Error.WriteLine($"warning: sequences of {tok.SeqLen} tokens exceed the model's max_position_embeddings ({Config.MaxPositions}); positions past it are extrapolation");
        }
        for (int i = 0; i < tok.Ids.Length; i++)
            if (tok.Ids[i] < 0 || tok.Ids[i] >= Config.VocabSize)
                throw new ArgumentException($"token id {tok.Ids[i]} (row {i / tok.SeqLen}, position {i % tok.SeqLen}) is outside the vocabulary of {Config.VocabSize}");
        foreach (var (key, r) in req.Reads.Select(h => (h.Key, h.Rows)).Concat(req.Adds.Select(h => (h.Key, h.Rows))))
        {
            int maxLayer = key.Point == HookPoint.ResidPre ? Config.Layers : Config.Layers - 1;
            if (key.Layer < 0 || key.Layer > maxLayer) throw new ArgumentException($"hook {key}: layer must be in 0..{maxLayer}");
            if (r.Any(x => x < 0 || x >= rows)) throw new ArgumentException($"hook {key}: a position is outside the batch ({tok.Batch} x {tok.SeqLen})");
        }
        foreach (var a in req.Adds) ValidateVectors(a);
        if (req.LogitRows.Any(x => x < 0 || x >= rows)) throw new ArgumentException($"a logit position is outside the batch ({tok.Batch} x {tok.SeqLen})");
    }

    private void ValidateVectors(HookAdd a)
    {
        int d = Config.HiddenSize;
        if (a.VectorOf is null)
        {
            if (a.Vector.Length != d) throw new ArgumentException($"steering vector has {a.Vector.Length} values, the model's d_model is {d}");
            return;
        }
        if (a.Vector.Length == 0 || a.Vector.Length % d != 0) throw new ArgumentException($"steering vectors hold {a.Vector.Length} values, not a whole number of d_model ({d}) vectors");
        if (a.VectorOf.Length != a.Rows.Length) throw new ArgumentException($"{a.VectorOf.Length} vector indices for {a.Rows.Length} steered rows");
        if (a.VectorOf.Any(k => k < 0 || k >= a.Vector.Length / d)) throw new ArgumentException($"a steered row's vector index is outside 0..{a.Vector.Length / d - 1}");
    }

    public void Dispose()
    {
        Weights.Dispose();
        _checkpoint?.Dispose();
    }
}
