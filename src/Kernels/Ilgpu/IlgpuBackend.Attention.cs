using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <summary>
    /// Three kernels: scores (one thread per (b, h, t, j)) into <paramref name="probs"/>, an in-place
    /// softmax (one group per (b, h, t) row), and y = P V (one thread per output element).
    /// </summary>
    public void Attention(Mat q, Mat k, Mat v, DeviceBuffer<int> mask, AttentionShape shape, DeviceBuffer<float> probs, Mat y)
    {
        var (batch, seq, qh, kvh, hd, _, _) = shape;
        var qv = View(q, nameof(q));
        var kv = View(k, nameof(k));
        var vv = View(v, nameof(v));
        var yv = View(y, nameof(y));
        var mb = Buf(mask, nameof(mask));
        var pb = Buf(probs, nameof(probs));
        long rows = (long)batch * seq;
        var a = Args(shape);
        if (rows == 0) return;

        var scores = Kernel("Attention.Scores", acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, MatV, MatV, ArrayView<int>, AttnArgs, ArrayView<float>>(AttentionScoresKernel));
        scores(Count(shape.ProbsLength, "Attention scores"), qv, kv, mb.View, a, pb.View);

        var softmax = Kernel("Attention.Softmax", acc =>
            acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, AttnArgs>(AttentionSoftmaxKernel));
        softmax(new KernelConfig(Count((long)batch * qh * seq, "Attention softmax"), _reduceGroup), pb.View, mb.View, a);

        PV()(Count(rows * qh * hd, "Attention PV"), pb.View, vv, a, 1f, yv);
    }

    private Action<Index1D, ArrayView<float>, MatV, AttnArgs, float, MatV> PV() => Kernel("Attention.PV", acc =>
        acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, MatV, AttnArgs, float, MatV>(AttentionPVKernel));

    /// <summary>The kernels' scalar arguments of a shape (checked by <see cref="CheckedBackend"/>).</summary>
    private static AttnArgs Args(AttentionShape s) =>
        new() { Seq = s.SeqLen, QHeads = s.QHeads, Group = s.Group, HeadDim = s.HeadDim, Scale = s.Scale, Window = s.SlidingWindow };

    /// <summary>Scalar attention arguments as one kernel parameter.</summary>
    public struct AttnArgs
    {
        public int Seq;
        public int QHeads;
        public int Group;
        public int HeadDim;
        public float Scale;
        public int Window;
    }

    /// <summary>Key j is visible to query t of batch b: causal, not padded, inside the sliding window.</summary>
    private static bool Visible(ArrayView<int> mask, int b, int t, int j, int seq, int window)
        => j <= t && mask[(long)b * seq + j] != 0 && (window == 0 || t - j < window);

    /// <summary>One thread per (b, h, t, j): probs = scale * q.k for visible keys, 0 otherwise (the softmax masks again).</summary>
    private static void AttentionScoresKernel(Index1D idx, MatV q, MatV k, ArrayView<int> mask, AttnArgs a, ArrayView<float> probs)
    {
        int seq = a.Seq;
        int j = idx % seq;
        int rest = idx / seq;
        int t = rest % seq;
        rest /= seq;
        int h = rest % a.QHeads;
        int b = rest / a.QHeads;
        float s = 0f;
        if (Visible(mask, b, t, j, seq, a.Window))
        {
            long qi = q.Idx(b * seq + t, h * a.HeadDim);
            long ki = k.Idx(b * seq + j, h / a.Group * a.HeadDim);
            for (int d = 0; d < a.HeadDim; d++) s += q.Data[qi + d] * k.Data[ki + d];
            s *= a.Scale;
        }
        probs[idx] = s;
    }

    /// <summary>
    /// One group per (b, h, t) row of probs, in place: softmax over the visible keys; masked entries get
    /// exactly 0, and a row with no visible key is all 0.
    /// </summary>
    private static void AttentionSoftmaxKernel(ArrayView<float> probs, ArrayView<int> mask, AttnArgs a)
    {
        var sh = SharedMemory.Allocate<float>(MaxReduceGroup);
        int row = Grid.IdxX;
        int seq = a.Seq;
        int t = row % seq;
        int b = row / seq / a.QHeads;
        long baseIdx = (long)row * seq;

        float m = float.NegativeInfinity;
        for (int j = Group.IdxX; j < seq; j += Group.DimX)
            if (Visible(mask, b, t, j, seq, a.Window)) m = XMath.Max(m, probs[baseIdx + j]);
        m = GroupMax(m, sh);

        float sum = 0f;
        for (int j = Group.IdxX; j < seq; j += Group.DimX)
        {
            float e = 0f;
            if (Visible(mask, b, t, j, seq, a.Window)) e = XMath.Exp(probs[baseIdx + j] - m);
            probs[baseIdx + j] = e;
            sum += e;
        }
        sum = GroupSum(sum, sh);

        float inv = sum > 0f ? 1f / sum : 0f;
        for (int j = Group.IdxX; j < seq; j += Group.DimX)
            probs[baseIdx + j] *= inv;
    }

    /// <summary>
    /// One thread per output (b, t, h, d): y = scale sum_j P[b, h, t, j] v[b, j, kvHead, d] over the keys
    /// that can be visible. The backward reuses it for dq = scale dS k.
    /// </summary>
    private static void AttentionPVKernel(Index1D idx, ArrayView<float> probs, MatV v, AttnArgs a, float scale, MatV y)
    {
        int hd = a.HeadDim;
        int d = idx % hd;
        int rest = idx / hd;
        int h = rest % a.QHeads;
        int row = rest / a.QHeads; // b * seq + t
        int seq = a.Seq;
        int b = row / seq;
        int t = row - b * seq;
        int j0 = a.Window > 0 && t - a.Window + 1 > 0 ? t - a.Window + 1 : 0;
        long pBase = ((long)(b * a.QHeads + h) * seq + t) * seq;
        int vCol = h / a.Group * hd + d;
        float acc = 0f;
        for (int j = j0; j <= t; j++)
            acc += probs[pBase + j] * v.Data[v.Idx(b * seq + j, vCol)];
        y.Data[y.Idx(row, h * hd + d)] = scale * acc;
    }

    // ---------------------------------------------------------------- backward

    /// <summary>
    /// Four kernels, none with write conflicts (no atomics): dP = dy v^T at the nonzero probabilities
    /// into <paramref name="scratch"/> (one thread per (b, h, t, j)); dS = P (dP - sum_j P dP) in place
    /// (one group per (b, h, t) row); dq = scale dS k (one thread per element of dq); dk = scale dS^T q and
    /// dv = P^T dy summed over the query heads of each key/value head (one thread per element of dk / dv).
    /// </summary>
    public void AttentionBackward(Mat q, Mat k, Mat v, AttentionShape shape, DeviceBuffer<float> probs, Mat dy,
        DeviceBuffer<float> scratch, Mat dq, Mat dk, Mat dv)
    {
        var (batch, seq, qh, kvh, hd, _, _) = shape;
        var qv = View(q, nameof(q));
        var kv = View(k, nameof(k));
        var vv = View(v, nameof(v));
        var dyv = View(dy, nameof(dy));
        var dqv = View(dq, nameof(dq));
        var dkv = View(dk, nameof(dk));
        var dvv = View(dv, nameof(dv));
        var pb = Buf(probs, nameof(probs));
        var sb = Buf(scratch, nameof(scratch));
        long rows = (long)batch * seq;
        var a = Args(shape);
        if (rows == 0) return;

        var dP = Kernel("AttentionBackward.dP", acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, MatV, MatV, AttnArgs, ArrayView<float>, ArrayView<float>>(AttentionBackwardDPKernel));
        dP(Count(shape.ProbsLength, "AttentionBackward dP"), dyv, vv, a, pb.View, sb.View);

        var dS = Kernel("AttentionBackward.dS", acc =>
            acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, AttnArgs>(AttentionBackwardDSKernel));
        dS(new KernelConfig(Count((long)batch * qh * seq, "AttentionBackward dS"), _reduceGroup), pb.View, sb.View, a);

        PV()(Count(rows * qh * hd, "AttentionBackward dq"), sb.View, kv, a, a.Scale, dqv);

        var dKV = Kernel("AttentionBackward.dKV", acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, MatV, MatV, AttnArgs, MatV, MatV>(AttentionBackwardDKVKernel));
        dKV(Count(rows * kvh * hd, "AttentionBackward dk/dv"), pb.View, sb.View, qv, dyv, a, dkv, dvv);
    }

    /// <summary>One thread per (b, h, t, j): dP = dy[t] . v[j] where P[t, j] != 0 (so only visible keys), 0 otherwise.</summary>
    private static void AttentionBackwardDPKernel(Index1D idx, MatV dy, MatV v, AttnArgs a, ArrayView<float> probs, ArrayView<float> scratch)
    {
        int seq = a.Seq;
        int j = idx % seq;
        int rest = idx / seq;
        int t = rest % seq;
        rest /= seq;
        int h = rest % a.QHeads;
        int b = rest / a.QHeads;
        float s = 0f;
        if (j <= t && probs[idx] != 0f)
        {
            long di = dy.Idx(b * seq + t, h * a.HeadDim);
            long vi = v.Idx(b * seq + j, h / a.Group * a.HeadDim);
            for (int d = 0; d < a.HeadDim; d++) s += dy.Data[di + d] * v.Data[vi + d];
        }
        scratch[idx] = s;
    }

    /// <summary>One group per (b, h, t) row, in place in scratch: dS = P (dP - sum_j P dP) (0 wherever P is 0).</summary>
    private static void AttentionBackwardDSKernel(ArrayView<float> probs, ArrayView<float> scratch, AttnArgs a)
    {
        var sh = SharedMemory.Allocate<float>(MaxReduceGroup);
        int seq = a.Seq;
        long baseIdx = (long)Grid.IdxX * seq;
        float dot = 0f;
        for (int j = Group.IdxX; j < seq; j += Group.DimX)
            dot += probs[baseIdx + j] * scratch[baseIdx + j];
        dot = GroupSum(dot, sh);
        for (int j = Group.IdxX; j < seq; j += Group.DimX)
        {
            float p = probs[baseIdx + j];
            scratch[baseIdx + j] = p != 0f ? p * (scratch[baseIdx + j] - dot) : 0f;
        }
    }

    /// <summary>
    /// One thread per (b, j, kvHead, i): over the query heads h of the group and the queries t that can
    /// see key j, dk = scale sum dS[b, h, t, j] q[b, t, h, i] and dv = sum P[b, h, t, j] dy[b, t, h, i].
    /// </summary>
    private static void AttentionBackwardDKVKernel(Index1D idx, ArrayView<float> probs, ArrayView<float> dS, MatV q, MatV dy,
        AttnArgs a, MatV dk, MatV dv)
    {
        int hd = a.HeadDim;
        int kvHeads = a.QHeads / a.Group;
        int d = idx % hd;
        int rest = idx / hd;
        int kvh = rest % kvHeads;
        int row = rest / kvHeads; // b * seq + j
        int seq = a.Seq;
        int b = row / seq;
        int j = row - b * seq;
        int tEnd = a.Window > 0 && j + a.Window < seq ? j + a.Window : seq; // exclusive
        float accK = 0f, accV = 0f;
        for (int h = kvh * a.Group; h < (kvh + 1) * a.Group; h++)
        {
            long hBase = (long)(b * a.QHeads + h) * seq * seq;
            int col = h * hd + d;
            for (int t = j; t < tEnd; t++)
            {
                long pi = hBase + (long)t * seq + j;
                int r = b * seq + t;
                accK += dS[pi] * q.Data[q.Idx(r, col)];
                accV += probs[pi] * dy.Data[dy.Idx(r, col)];
            }
        }
        dk.Data[dk.Idx(row, kvh * hd + d)] = a.Scale * accK;
        dv.Data[dv.Idx(row, kvh * hd + d)] = accV;
    }
}
