using System.Numerics.Tensors;

namespace NativeTV.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void RmsNorm(Mat x, DeviceWeight w, float eps, float weightOffset, Mat y)
    {
        var gain = new float[w.Cols];
        fixed (float* g = gain) ((CpuWeight)w).WidenRows(0, 1, g);
        if (weightOffset != 0f) TensorPrimitives.Add(gain, weightOffset, gain);
        ParallelRows(x.Rows, x.Cols, r =>
        {
            var xr = Row(x, r); var yr = Row(y, r);
            // Sum of squares in double: the reference accumulates in double and d can be 3072+.
            double ss = 0;
            foreach (var v in xr) ss += (double)v * v;
            float inv = (float)(1.0 / Math.Sqrt(ss / xr.Length + eps));
            TensorPrimitives.Multiply(xr, inv, yr);
            TensorPrimitives.Multiply(yr, gain, yr);
        });
    }
}
