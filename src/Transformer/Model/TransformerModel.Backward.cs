using NativeTV.Transformer.Checkpoints;
using NativeTV.Kernels;
using NativeTV.Kernels.Native;

namespace NativeTV.Transformer.Model;

/// <summary>The loss and d loss / d v for a steering vector v added to resid_pre[L] (for several vectors, [k, d_model]: each one's gradient).</summary>
public sealed record SteerGradResult(double Loss, float[] Nll, float[] Gradient);

public sealed partial class TransformerModel
{
    /// <summary>Device memory for the activations of <see cref="SteerGrad"/> (weights not included): the forward workspace plus what blocks >= L keep.</summary>
    public static long SteerGradBytes(ModelConfig c, int batch, int seqLen, int layer) =>
        Workspace.Bytes(c, batch, seqLen) + SavedActivations.Bytes(c, batch, seqLen, layer) + (long)batch * seqLen * c.HiddenSize * 4;

    /// <summary>
    /// Forward with <paramref name="steer"/> (scale * v added to resid_pre[L] at its rows), the loss
    /// sum_i w_i nll_i over <paramref name="targets"/>, and its gradient with respect to v: the
    /// backward runs from the logits at the target rows down to block L, weights frozen, keeping
    /// activations only for blocks >= L. With several vectors (<see cref="HookAdd.VectorOf"/>), each one's gradient
    /// sums the rows it steers.
    /// </summary>
    public SteerGradResult SteerGrad(TokenBatch tokens, HookAdd steer, IReadOnlyList<LossTarget> targets)
    {
        if (steer.Key.Point != HookPoint.ResidPre) throw new ArgumentException("steering gradients are defined for resid_pre hooks");
        var req = new ForwardRequest { Tokens = tokens, Adds = [steer] };
        int d = Config.HiddenSize;
        var grad = new float[steer.Vector.Length];
        var nll = LossBackward(req, targets, steer.Key.Layer, grads: null, (_, dx) =>
        {
            var be = Backend;
            using var steerRows = be.Upload(steer.Rows);
            var picked = be.AllocMat(steer.Rows.Length, d);
            using var pickedBuf = picked.Buf;
            be.GatherRows(dx, steerRows, picked);
            var g = be.Download(picked);
            for (int i = 0; i < steer.Rows.Length; i++)
            {
                int v = steer.VectorIndex(i) * d;
                for (int j = 0; j < d; j++) grad[v + j] += steer.Scale * g[i * d + j];
            }
        });
        return new SteerGradResult(WeightedSum(nll, targets), nll, grad);
    }

    /// <summary>
    /// Forward, the loss sum_i w_i nll_i over <paramref name="targets"/>, and its gradient with respect to
    /// every weight, added into the float32 matrices that <paramref name="grads"/> gives for each weight
    /// (training; a tied lm_head and the embedding share one gradient). Returns the loss.
    /// </summary>
    public double WeightGrad(TokenBatch tokens, IReadOnlyList<LossTarget> targets, Func<DeviceWeight, Mat> grads)
    {
        var nll = LossBackward(new ForwardRequest { Tokens = tokens }, targets, 0, grads, (ws, dx) =>
        {
            // resid_pre[0] = scale * embedding[ids]: the table's gradient is scale * dx scattered to the ids.
            if (Config.EmbeddingScale != 1f) Backend.Add(dx, dx, Config.EmbeddingScale - 1f);
            Backend.ScatterAddRows(dx, ws.Ids, grads(Weights.Embedding));
        });
        return WeightedSum(nll, targets);
    }

    private static double WeightedSum(float[] nll, IReadOnlyList<LossTarget> targets) => nll.Select((v, i) => (double)v * targets[i].Weight).Sum();

    /// <summary>
    /// The shared core: forward keeping activations of blocks >= <paramref name="fromLayer"/>, cross-entropy
    /// at the targets, backward to resid_pre[fromLayer] (and into the weight gradients when
    /// <paramref name="grads"/> is given); <paramref name="atInput"/> sees d loss / d resid_pre[fromLayer]
    /// before the buffers go. Returns the per-target nll.
    /// </summary>
    private float[] LossBackward(ForwardRequest req, IReadOnlyList<LossTarget> targets, int fromLayer, Func<DeviceWeight, Mat>? grads, Action<Workspace, Mat> atInput)
    {
        if (targets.Count == 0) throw new ArgumentException("no loss targets");
        var rows = targets.Select(t => t.Row).ToArray();
        Validate(new ForwardRequest { Tokens = req.Tokens, Adds = req.Adds, LogitRows = rows });
        if (targets.Any(t => t.Token < 0 || t.Token >= Config.VocabSize)) throw new ArgumentException("a target token is outside the vocabulary");
        var be = Backend;
        var c = Config;
        using var ws = new Workspace(be, c, req.Tokens);
        using var saved = new SavedActivations(be, c, ws.Attention, fromLayer, forWeightGrads: grads != null);
        RunBlocks(ws, new HookRunner(be, req, new ForwardResult()), c.Layers, saved);

        using var head = new LogitHead(this, ws.Resid, rows);
        using var tgt = be.Upload(targets.Select(t => t.Token).ToArray());
        using var w = be.Upload(targets.Select(t => t.Weight).ToArray());
        using var nllBuf = be.Alloc(targets.Count);
        be.CrossEntropy(head.Logits, tgt, w, nllBuf);
        var nll = be.Download(nllBuf);

        // dx: d loss / d residual stream (buffers come zeroed).
        var dx = be.AllocMat(ws.Resid.Rows, ws.Resid.Cols);
        using var dxBuf = dx.Buf;
        head.Backward(dx, grads);
        for (int layer = c.Layers - 1; layer >= fromLayer; layer--) BlockBackward(layer, saved.Layer(layer)!, ws, dx, grads);
        atInput(ws, dx);
        return nll;
    }

    /// <summary>
    /// dx holds d loss / d resid_post[layer]; on return it holds d loss / d resid_pre[layer], and the
    /// block's weight gradients are added into <paramref name="grads"/> when given. The workspace's
    /// activation buffers are reused for gradients; the normed residuals that the weight gradients of
    /// qkv and gate_up need are recomputed (one cheap norm each) rather than saved.
    /// </summary>
    private void BlockBackward(int layer, SavedLayer s, Workspace ws, Mat dx, Func<DeviceWeight, Mat>? grads)
    {
        var be = Backend;
        var c = Config;
        var lw = Weights.Layers[layer];
        int I = c.IntermediateSize;
        float eps = (float)c.RmsNormEps;
        Mat gate = s.GateUp.Columns(0, I), up = s.GateUp.Columns(I, I);
        using var stage = new NvtxStages();
        stage.Enter("mlp backward", layer);

        // MLP: x_out = x_mid + down(act(gate) * up), with [gate | up] = norm2(x_mid) W_gate_up^T.
        Mat dAct = ws.Act, dGateUp = ws.GateUp, dNormed = ws.Normed;
        if (grads != null) be.MatMulWeightGrad(dx, s.Act ?? throw new InvalidOperationException("MLP activation was not saved"), grads(lw.Down), accumulate: true);
        be.MatMulBackward(dx, lw.Down, dAct, accumulate: false);
        be.GatedActivationBackward(gate, up, c.Activation, dAct, dGateUp.Columns(0, I), dGateUp.Columns(I, I));
        ProjectionsBackward(s.XMid, lw.PostAttentionNorm, lw.GateUp, dGateUp, ws, dx, grads);

        // Attention: x_mid = x_in + o(attn(rope(q), rope(k), v)), with [q | k | v] = norm1(x_in) W_qkv^T.
        stage.Enter("attention backward", layer);
        Mat dAtt = ws.AttnOut, dQkv = ws.Qkv;
        if (grads != null) be.MatMulWeightGrad(dx, s.AttnY, grads(lw.O), accumulate: true);
        be.MatMulBackward(dx, lw.O, dAtt, accumulate: false);
        var (q, k, v) = SplitQkv(s.Qkv);
        var (dq, dk, dv) = SplitQkv(dQkv);
        be.AttentionBackward(q, k, v, ws.Mask, ws.Attention, s.AttnY, s.Lse, dAtt, ws.Lse, dq, dk, dv);
        be.Rope(dq, c.Heads, c.HeadDim, c.RotaryDim, ws.Positions, ws.Cos, ws.Sin, backward: true);
        be.Rope(dk, c.KvHeads, c.HeadDim, c.RotaryDim, ws.Positions, ws.Cos, ws.Sin, backward: true);
        ProjectionsBackward(s.XIn, lw.InputNorm, lw.Qkv, dQkv, ws, dx, grads);
    }

    /// <summary>
    /// Backward of fused = norm(x) [W_1 | W_2 | ...]^T given d fused: adds d loss / d x into dx (through the
    /// norm) and, when <paramref name="grads"/> is given, the projections' and the norm's weight gradients.
    /// </summary>
    private void ProjectionsBackward(Mat x, DeviceWeight norm, Projection[] parts, Mat dFused, Workspace ws, Mat dx, Func<DeviceWeight, Mat>? grads)
    {
        var be = Backend;
        float eps = (float)Config.RmsNormEps;
        Mat normed = ws.Normed;
        if (grads != null)
        {
            be.RmsNorm(x, norm, eps, Config.NormWeightOffset, normed);
            foreach (var p in parts) be.MatMulWeightGrad(dFused.Columns(p.Offset, p.W.Rows), normed, grads(p.W), accumulate: true);
        }
        // normed now receives d loss / d norm(x): the sum over the blocks of the fused output.
        for (int i = 0; i < parts.Length; i++)
            be.MatMulBackward(dFused.Columns(parts[i].Offset, parts[i].W.Rows), parts[i].W, normed, accumulate: i > 0);
        if (grads != null) be.RmsNormWeightGrad(x, eps, normed, grads(norm), accumulate: true);
        be.RmsNormBackward(x, norm, eps, Config.NormWeightOffset, normed, dx, accumulate: true);
    }
}
