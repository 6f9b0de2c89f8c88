using System.Numerics.Tensors;

namespace NativeTV.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void RmsNorm(Mat x, DeviceWeight w, float eps, float weightOffset, Mat y)
    {
        var gain = Gain(w, weightOffset);
        ParallelRows(x.Rows, x.Cols, r =>
        {
            var xr = Row(x, r); var yr = Row(y, r);
            float inv = InvRms(xr, eps);
            TensorPrimitives.Multiply(xr, inv, yr);
            TensorPrimitives.Multiply(yr, gain, yr);
        });
    }

    public void RmsNormBackward(Mat x, DeviceWeight w, float eps, float weightOffset, Mat dy, Mat dx, bool accumulate)
    {
        var gain = Gain(w, weightOffset);
        ParallelRows(x.Rows, x.Cols, r =>
        {
            var xr = Row(x, r); var dyr = Row(dy, r); var dxr = Row(dx, r);
            double inv = InvRms(xr, eps), dot = 0;
            for (int i = 0; i < xr.Length; i++) dot += (double)dyr[i] * gain[i] * xr[i];
            float a = (float)inv, b = (float)(inv * inv * inv * dot / xr.Length);
            for (int i = 0; i < xr.Length; i++)
            {
                float g = a * dyr[i] * gain[i] - b * xr[i];
                dxr[i] = accumulate ? dxr[i] + g : g;
            }
        });
    }

    public void RmsNormWeightGrad(Mat x, float eps, Mat dy, Mat dw, bool accumulate)
    {
        // Row blocks summed into private partials (double), then added in block order: deterministic for any thread count.
        const int block = 64;
        int blocks = (x.Rows + block - 1) / block;
        var partial = new double[blocks][];
        ParallelRows(blocks, (long)block * x.Cols, b =>
        {
            var acc = new double[x.Cols];
            for (int r = b * block; r < Math.Min(x.Rows, (b + 1) * block); r++)
            {
                var xr = Row(x, r); var dyr = Row(dy, r);
                double inv = InvRms(xr, eps);
                for (int c = 0; c < acc.Length; c++) acc[c] += (double)dyr[c] * xr[c] * inv;
            }
            partial[b] = acc;
        });
        var dwr = Row(dw, 0);
        for (int c = 0; c < dwr.Length; c++)
        {
            double s = accumulate ? dwr[c] : 0;
            foreach (var p in partial) s += p[c];
            dwr[c] = (float)s;
        }
    }

    private static float[] Gain(DeviceWeight w, float weightOffset)
    {
        var gain = new float[w.Cols];
        fixed (float* g = gain) ((CpuWeight)w).WidenRows(0, 1, g);
        if (weightOffset != 0f) TensorPrimitives.Add(gain, weightOffset, gain);
        return gain;
    }

    /// <summary>rsqrt(mean(x^2) + eps), the sum of squares in double (d can be 3072+).</summary>
    private static float InvRms(ReadOnlySpan<float> x, float eps)
    {
        double ss = 0;
        foreach (var v in x) ss += (double)v * v;
        return (float)(1.0 / Math.Sqrt(ss / x.Length + eps));
    }
}
