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
