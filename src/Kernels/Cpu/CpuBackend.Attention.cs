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
}
