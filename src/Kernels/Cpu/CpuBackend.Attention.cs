using System.Numerics.Tensors;

namespace NativeTV.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Attention(Mat q, Mat k, Mat v, DeviceBuffer<int> mask, AttentionShape s, DeviceBuffer<float> probs, Mat y)
    {
        int T = s.SeqLen, hd = s.HeadDim;
        int* m = P(mask);
        float* pr = P(probs);
        // One task per (batch, head, query): dot products and the weighted sum are SIMD over head_dim.
        ParallelRows(s.Batch * s.QHeads * T, (long)T * hd, idx =>
        {
            int t = idx % T, h = idx / T % s.QHeads, b = idx / T / s.QHeads;
            int kvh = h / s.Group;
            var p = new Span<float>(pr + (long)idx * T, T);
            p.Clear();
            var qr = new ReadOnlySpan<float>(RowPtr(q, b * T + t) + h * hd, hd);
            int j0 = s.SlidingWindow > 0 ? Math.Max(0, t - s.SlidingWindow + 1) : 0;
            float max = float.NegativeInfinity;
            for (int j = j0; j <= t; j++)
            {
                if (m[b * T + j] == 0) continue;
                var kr = new ReadOnlySpan<float>(RowPtr(k, b * T + j) + kvh * hd, hd);
                p[j] = s.Scale * TensorPrimitives.Dot(qr, kr);
                max = Math.Max(max, p[j]);
            }
            var yr = new Span<float>(RowPtr(y, b * T + t) + h * hd, hd);
            yr.Clear();
            if (float.IsNegativeInfinity(max)) return;
            double sum = 0;
            for (int j = j0; j <= t; j++)
            {
                if (m[b * T + j] == 0) continue;
                p[j] = MathF.Exp(p[j] - max);
                sum += p[j];
            }
            float inv = (float)(1.0 / sum);
            for (int j = j0; j <= t; j++)
            {
                if (p[j] == 0f) continue;
                p[j] *= inv;
                var vr = new ReadOnlySpan<float>(RowPtr(v, b * T + j) + kvh * hd, hd);
                TensorPrimitives.MultiplyAdd(vr, p[j], yr, yr);
            }
        });
    }

    /// <summary>
    /// Two passes, each parallel without write conflicts: (1) per query row, the score gradients
    /// dS = P (dP - sum(P dP)) with dP = dy v^T, and dq = scale dS k; (2) per key row, dk = scale dS^T q
    /// and dv = P^T dy, summed over the query heads that share the key/value head.
    /// </summary>
    public void AttentionBackward(Mat q, Mat k, Mat v, AttentionShape s, DeviceBuffer<float> probs, Mat dy,
        DeviceBuffer<float> scratch, Mat dq, Mat dk, Mat dv)
    {
        int T = s.SeqLen, hd = s.HeadDim;
        float* pr = P(probs), ds = P(scratch);
        ParallelRows(s.Batch * s.QHeads * T, (long)T * hd, idx =>
        {
            int t = idx % T, h = idx / T % s.QHeads, b = idx / T / s.QHeads, kvh = h / s.Group;
            float* p = pr + (long)idx * T, d = ds + (long)idx * T;
            var dyr = new ReadOnlySpan<float>(RowPtr(dy, b * T + t) + h * hd, hd);
            var dqr = new Span<float>(RowPtr(dq, b * T + t) + h * hd, hd);
            double dot = 0;
            for (int j = 0; j < T; j++)
            {
                d[j] = j <= t && p[j] != 0f ? TensorPrimitives.Dot(dyr, new ReadOnlySpan<float>(RowPtr(v, b * T + j) + kvh * hd, hd)) : 0f;
                dot += (double)p[j] * d[j];
            }
            dqr.Clear();
            for (int j = 0; j <= t; j++)
            {
                d[j] = p[j] * (d[j] - (float)dot);
                if (d[j] != 0f) TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(RowPtr(k, b * T + j) + kvh * hd, hd), s.Scale * d[j], dqr, dqr);
            }
        });
        ParallelRows(s.Batch * s.KvHeads * T, (long)s.Group * T * hd, idx =>
        {
            int j = idx % T, kvh = idx / T % s.KvHeads, b = idx / T / s.KvHeads;
            var dkr = new Span<float>(RowPtr(dk, b * T + j) + kvh * hd, hd);
            var dvr = new Span<float>(RowPtr(dv, b * T + j) + kvh * hd, hd);
            dkr.Clear(); dvr.Clear();
            for (int h = kvh * s.Group; h < (kvh + 1) * s.Group; h++)
            {
                long rowBase = ((long)(b * s.QHeads + h) * T) * T;
                for (int t = j; t < T; t++)
                {
                    float p = pr[rowBase + (long)t * T + j], d = ds[rowBase + (long)t * T + j];
                    if (p == 0f && d == 0f) continue;
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(RowPtr(q, b * T + t) + h * hd, hd), s.Scale * d, dkr, dkr);
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(RowPtr(dy, b * T + t) + h * hd, hd), p, dvr, dvr);
                }
            }
        });
    }
}
