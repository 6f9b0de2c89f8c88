namespace NativeTV.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void SaeActivation(Mat z, SaeActivationArgs a, Mat f)
    {
        float* th = Opt(a.Threshold), bg = Opt(a.BGate), rm = Opt(a.RMag), bm = Opt(a.BMag);
        ParallelRows(z.Rows, z.Cols, r =>
        {
            var zr = Row(z, r); var fr = Row(f, r);
            if (a.Kind == SaeActivationKind.TopK) { TopK(zr, a.K, fr); return; }
            for (int j = 0; j < zr.Length; j++)
            {
                float v = zr[j];
                fr[j] = a.Kind switch
                {
                    SaeActivationKind.Relu => Math.Max(v, 0f),
                    SaeActivationKind.JumpRelu => v > th[j] ? v : 0f,
                    _ => v > 0f ? Math.Max(MathF.Exp(rm[j]) * (v - bg[j]) + bm[j], 0f) : 0f,
                };
            }
        });
    }

    public void SaeActivationBackward(Mat z, SaeActivationArgs a, Mat df, Mat dz)
    {
        float* th = Opt(a.Threshold), bg = Opt(a.BGate), rm = Opt(a.RMag), bm = Opt(a.BMag);
        ParallelRows(z.Rows, z.Cols, r =>
        {
            var zr = Row(z, r); var dfr = Row(df, r); var dzr = Row(dz, r);
            Span<float> kept = a.Kind == SaeActivationKind.TopK ? new float[zr.Length] : default;
            if (a.Kind == SaeActivationKind.TopK) TopK(zr, a.K, kept);
            for (int j = 0; j < zr.Length; j++)
            {
                float v = zr[j];
                dzr[j] = dfr[j] * a.Kind switch
                {
                    SaeActivationKind.Relu => v > 0f ? 1f : 0f,
                    SaeActivationKind.JumpRelu => v > th[j] ? 1f : 0f,
                    SaeActivationKind.TopK => kept[j] > 0f ? 1f : 0f,
                    _ => v > 0f && MathF.Exp(rm[j]) * (v - bg[j]) + bm[j] > 0f ? MathF.Exp(rm[j]) : 0f,
                };
            }
        });
    }

    /// <summary>The k largest values of z ReLU'd into f, the rest 0 (ties: the lower index wins); f may be z.</summary>
    private static void TopK(ReadOnlySpan<float> z, int k, Span<float> f)
    {
        var values = z.ToArray();
        var sorted = (float[])values.Clone();
        Array.Sort(sorted, Comparer<float>.Create((x, y) => y.CompareTo(x)));
        float kth = sorted[Math.Min(k, sorted.Length) - 1];
        f.Clear();
        int taken = 0;
        for (int i = 0; i < values.Length && taken < k; i++) if (values[i] > kth) { f[i] = Math.Max(values[i], 0f); taken++; }
        for (int i = 0; i < values.Length && taken < k; i++) if (values[i] == kth) { f[i] = Math.Max(values[i], 0f); taken++; }
    }

    public void PursuitSelect(Mat c, Mat support, bool signed, DeviceBuffer<int> active, int stride, int slot)
    {
        int* act = P(active);
        ParallelRows(c.Rows, c.Cols, r =>
        {
            var cr = Row(c, r); var sr = Row(support, r);
            int best = 0;
            for (int j = 1; j < cr.Length; j++)
                if ((signed ? Math.Abs(cr[j]) : cr[j]) > (signed ? Math.Abs(cr[best]) : cr[best])) best = j;
            act[(long)r * stride + slot] = sr[best] == 0f ? best : -1;
            sr[best] = 1f;
            for (int j = 0; j < cr.Length; j++) cr[j] *= sr[j];
        });
    }

    public void SparseDecode(DeviceBuffer<int> active, int stride, int slots, Mat coeffs, DeviceWeight w, Mat y)
    {
        var cw = (CpuWeight)w;
        int* act = P(active);
        ParallelRows(y.Rows, (long)slots * y.Cols, r =>
        {
            var yr = Row(y, r);
            yr.Clear();
            var buf = new float[y.Cols];
            for (int s = 0; s < slots; s++)
            {
                int j = act[(long)r * stride + s];
                if (j < 0) continue;
                fixed (float* b = buf) cw.WidenRows(j, 1, b);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(buf, RowPtr(coeffs, r)[j], yr, yr);
            }
        });
    }

    public void RowDots(Mat a, Mat b, DeviceBuffer<float> dots)
    {
        float* d = P(dots);
        ParallelRows(a.Rows, a.Cols, r => d[r] = System.Numerics.Tensors.TensorPrimitives.Dot(Row(a, r), Row(b, r)));
    }

    public void PursuitUpdate(Mat w, Mat g, DeviceBuffer<float> num, DeviceBuffer<float> den, bool nonNegative)
    {
        float* n = P(num), d = P(den);
        ParallelRows(w.Rows, w.Cols, r =>
        {
            if (d[r] == 0f) return;
            float alpha = n[r] / d[r];
            var wr = Row(w, r); var gr = Row(g, r);
            for (int j = 0; j < wr.Length; j++)
            {
                float v = wr[j] + alpha * gr[j];
                wr[j] = nonNegative && v < 0f ? 0f : v;
            }
        });
    }

    private static float* Opt(DeviceBuffer<float>? b) => b is null ? null : P(b);
}
