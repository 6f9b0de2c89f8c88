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
        var (batch, seq, qh, kvh, hd, scale, window) = shape;
        var qv = View(q, nameof(q));
        var kv = View(k, nameof(k));
        var vv = View(v, nameof(v));
        var yv = View(y, nameof(y));
        var mb = Buf(mask, nameof(mask));
        var pb = Buf(probs, nameof(probs));
        long rows = (long)batch * seq;
        Require(batch >= 0 && seq >= 0 && qh > 0 && kvh > 0 && hd > 0 && qh % kvh == 0 && window >= 0,
            $"Attention: invalid shape {shape}");
        Require(q.Rows == rows && k.Rows == rows && v.Rows == rows && y.Rows == rows,
            $"Attention: q/k/v/y rows {q.Rows}/{k.Rows}/{v.Rows}/{y.Rows}, expected {rows}");
        Require(q.Cols >= qh * hd && y.Cols >= qh * hd, $"Attention: q/y need {qh * hd} columns ({q.Cols}/{y.Cols})");
        Require(k.Cols >= kvh * hd && v.Cols >= kvh * hd, $"Attention: k/v need {kvh * hd} columns ({k.Cols}/{v.Cols})");
        Require(mb.Length >= rows, $"Attention: mask has {mb.Length} entries, expected {rows}");
        Require(pb.Length >= shape.ProbsLength, $"Attention: probs has {pb.Length} entries, expected {shape.ProbsLength}");
        if (rows == 0) return;

        var a = new AttnArgs { Seq = seq, QHeads = qh, Group = qh / kvh, HeadDim = hd, Scale = scale, Window = window };

        var scores = Kernel("Attention.Scores", acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, MatV, MatV, ArrayView<int>, AttnArgs, ArrayView<float>>(AttentionScoresKernel));
        scores(Count(shape.ProbsLength, "Attention scores"), qv, kv, mb.View, a, pb.View);

        var softmax = Kernel("Attention.Softmax", acc =>
            acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, AttnArgs>(AttentionSoftmaxKernel));
        softmax(new KernelConfig(Count((long)batch * qh * seq, "Attention softmax"), _reduceGroup), pb.View, mb.View, a);

        var pv = Kernel("Attention.PV", acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, MatV, AttnArgs, MatV>(AttentionPVKernel));
        pv(Count(rows * qh * hd, "Attention PV"), pb.View, vv, a, yv);
    }

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

    /// <summary>One thread per output (b, t, h, d): y = sum_j P[b, h, t, j] v[b, j, kvHead, d] over the keys that can be visible.</summary>
    private static void AttentionPVKernel(Index1D idx, ArrayView<float> probs, MatV v, AttnArgs a, MatV y)
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
        y.Data[y.Idx(row, h * hd + d)] = acc;
    }
}
