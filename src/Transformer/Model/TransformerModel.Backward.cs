using NativeTV.Kernels;

namespace NativeTV.Transformer.Model;

/// <summary>The loss and d loss / d v for a steering vector v added to resid_pre[L].</summary>
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
    /// activations only for blocks >= L.
    /// </summary>
    public SteerGradResult SteerGrad(TokenBatch tokens, HookAdd steer, IReadOnlyList<LossTarget> targets)
    {
        if (steer.Key.Point != HookPoint.ResidPre) throw new ArgumentException("steering gradients are defined for resid_pre hooks");
        if (targets.Count == 0) throw new ArgumentException("no loss targets");
        var rows = targets.Select(t => t.Row).ToArray();
        Validate(new ForwardRequest { Tokens = tokens, Adds = [steer], LogitRows = rows });
        if (targets.Any(t => t.Token < 0 || t.Token >= Config.VocabSize)) throw new ArgumentException("a target token is outside the vocabulary");
        var be = Backend;
        var c = Config;
        int L = steer.Key.Layer;
        using var ws = new Workspace(be, c, tokens);
        using var saved = new SavedActivations(be, c, ws.Attention, L);
        RunBlocks(ws, new HookRunner(be, new ForwardRequest { Tokens = tokens, Adds = [steer] }, new ForwardResult()), c.Layers, saved);

        using var head = new LogitHead(this, ws.Resid, rows);
        using var tgt = be.Upload(targets.Select(t => t.Token).ToArray());
        using var w = be.Upload(targets.Select(t => t.Weight).ToArray());
        using var nllBuf = be.Alloc(targets.Count);
        be.CrossEntropy(head.Logits, tgt, w, nllBuf);
        var nll = be.Download(nllBuf);

        // dx: d loss / d residual stream (buffers come zeroed).
        var dx = be.AllocMat(ws.Resid.Rows, ws.Resid.Cols);
        using var dxBuf = dx.Buf;
        head.Backward(dx);
        for (int layer = c.Layers - 1; layer >= L; layer--) BlockBackward(layer, saved.Layer(layer)!, ws, dx);

        using var steerRows = be.Upload(steer.Rows);
        var picked = be.AllocMat(steer.Rows.Length, c.HiddenSize);
        using (picked.Buf)
        {
            be.GatherRows(dx, steerRows, picked);
            var g = be.Download(picked);
            var grad = new float[c.HiddenSize];
            for (int i = 0; i < steer.Rows.Length; i++)
                for (int j = 0; j < grad.Length; j++) grad[j] += steer.Scale * g[i * c.HiddenSize + j];
            return new SteerGradResult(nll.Select((v, i) => (double)v * targets[i].Weight).Sum(), nll, grad);
        }
    }

    /// <summary>
    /// dx holds d loss / d resid_post[layer]; on return it holds d loss / d resid_pre[layer]. The
    /// workspace's activation buffers are reused for gradients (their forward values are not needed).
    /// </summary>
    private void BlockBackward(int layer, SavedLayer s, Workspace ws, Mat dx)
    {
        var be = Backend;
        var c = Config;
        var lw = Weights.Layers[layer];
        int I = c.IntermediateSize;
        float eps = (float)c.RmsNormEps;

        // MLP: x_out = x_mid + down(act(gate) * up), with [gate | up] = norm2(x_mid) W_gate_up^T.
        Mat dAct = ws.Act, dGateUp = ws.GateUp, dNormed = ws.Normed;
        be.MatMulBackward(dx, lw.Down, dAct, accumulate: false);
        be.GatedActivationBackward(s.GateUp.Columns(0, I), s.GateUp.Columns(I, I), c.Activation, dAct, dGateUp.Columns(0, I), dGateUp.Columns(I, I));
        ProjectionsBackward(lw.GateUp, dGateUp, dNormed);
        be.RmsNormBackward(s.XMid, lw.PostAttentionNorm, eps, c.NormWeightOffset, dNormed, dx, accumulate: true);

        // Attention: x_mid = x_in + o(attn(rope(q), rope(k), v)), with [q | k | v] = norm1(x_in) W_qkv^T.
        Mat dAtt = ws.AttnOut, dQkv = ws.Qkv;
        be.MatMulBackward(dx, lw.O, dAtt, accumulate: false);
        var (q, k, v) = SplitQkv(s.Qkv);
        var (dq, dk, dv) = SplitQkv(dQkv);
        be.AttentionBackward(q, k, v, ws.Attention, s.Probs, dAtt, ws.Probs, dq, dk, dv);
        be.Rope(dq, c.Heads, c.HeadDim, c.RotaryDim, ws.Positions, ws.Cos, ws.Sin, backward: true);
        be.Rope(dk, c.KvHeads, c.HeadDim, c.RotaryDim, ws.Positions, ws.Cos, ws.Sin, backward: true);
        ProjectionsBackward(lw.Qkv, dQkv, dNormed);
        be.RmsNormBackward(s.XIn, lw.InputNorm, eps, c.NormWeightOffset, dNormed, dx, accumulate: true);
    }

    /// <summary>d input of projections that write column blocks of one fused output: the sum over the blocks.</summary>
    private void ProjectionsBackward(Projection[] parts, Mat dFused, Mat dInput)
    {
        for (int i = 0; i < parts.Length; i++)
            Backend.MatMulBackward(dFused.Columns(parts[i].Offset, parts[i].W.Rows), parts[i].W, dInput, accumulate: i > 0);
    }
}
