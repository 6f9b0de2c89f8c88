using System.Numerics;
using System.Runtime.CompilerServices;
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
            TensorPrimitives.Multiply(xr, InvRms(xr, eps), yr);
            TensorPrimitives.Multiply(yr, gain, yr);
        });
    }

    /// <summary>dx = inv (dy gain) - inv^3 (sum(dy gain x) / d) x.</summary>
    public void RmsNormBackward(Mat x, DeviceWeight w, float eps, float weightOffset, Mat dy, Mat dx, bool accumulate)
    {
        var gain = Gain(w, weightOffset);
        ParallelRows(x.Rows, x.Cols, r =>
        {
            ReadOnlySpan<float> xr = Row(x, r), dyr = Row(dy, r);
            var dxr = Row(dx, r);
            var dot = Vector<float>.Zero;
            int n = xr.Length, i = 0;
            for (; i <= n - VectorLanes.Width; i += VectorLanes.Width)
                dot = Vector.FusedMultiplyAdd(VectorLanes.LoadFull(dyr, i) * VectorLanes.LoadFull(gain, i), VectorLanes.LoadFull(xr, i), dot);
            if (i < n) dot = Vector.FusedMultiplyAdd(VectorLanes.LoadPartial(dyr, i) * VectorLanes.LoadPartial(gain, i), VectorLanes.LoadPartial(xr, i), dot);
            float inv = InvRms(xr, eps);
            var a = new Vector<float>(inv);
            var b = new Vector<float>(-inv * inv * inv * Vector.Sum(dot) / n);
            for (i = 0; i <= n - VectorLanes.Width; i += VectorLanes.Width)
            {
                var g = NormGradient(a, b, VectorLanes.LoadFull(dyr, i), VectorLanes.LoadFull(gain, i), VectorLanes.LoadFull(xr, i));
                VectorLanes.StoreFull(dxr, i, accumulate ? g + VectorLanes.LoadFull(dxr, i) : g);
            }
            if (i < n)
            {
                var g = NormGradient(a, b, VectorLanes.LoadPartial(dyr, i), VectorLanes.LoadPartial(gain, i), VectorLanes.LoadPartial(xr, i));
                VectorLanes.StorePartial(dxr, i, accumulate ? g + VectorLanes.LoadPartial(dxr, i) : g);
            }
        });
    }

    public void RmsNormWeightGrad(Mat x, float eps, Mat dy, Mat dw, bool accumulate)
    {
        // Row blocks summed into private partials, then added in block order (double): deterministic for any thread count.
        const int block = 64;
        int blocks = (x.Rows + block - 1) / block;
        var partial = new float[blocks][];
        ParallelRows(blocks, (long)block * x.Cols, b =>
        {
            var acc = new float[x.Cols];
            for (int r = b * block; r < Math.Min(x.Rows, (b + 1) * block); r++)
            {
                ReadOnlySpan<float> xr = Row(x, r), dyr = Row(dy, r);
                var inv = new Vector<float>(InvRms(xr, eps));
                int c = 0;
                for (; c <= acc.Length - VectorLanes.Width; c += VectorLanes.Width)
                    VectorLanes.StoreFull(acc, c, Vector.FusedMultiplyAdd(VectorLanes.LoadFull(dyr, c) * VectorLanes.LoadFull(xr, c), inv, VectorLanes.LoadFull(acc, c)));
                if (c < acc.Length)
                    VectorLanes.StorePartial(acc, c, Vector.FusedMultiplyAdd(VectorLanes.LoadPartial(dyr, c) * VectorLanes.LoadPartial(xr, c), inv, VectorLanes.LoadPartial(acc, c)));
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

    /// <summary>a dy gain + b x: one vector of the RMSNorm input gradient.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> NormGradient(Vector<float> a, Vector<float> b, Vector<float> dy, Vector<float> gain, Vector<float> x) =>
        Vector.FusedMultiplyAdd(a * dy, gain, b * x);

    private static float[] Gain(DeviceWeight w, float weightOffset)
    {
        var gain = new float[w.Cols];
        fixed (float* g = gain) ((CpuWeight)w).WidenRows(0, 1, g);
        if (weightOffset != 0f) TensorPrimitives.Add(gain, weightOffset, gain);
        return gain;
    }

    /// <summary>rsqrt(mean(x^2) + eps); the vectorised sum keeps one partial per lane, so d = 3072+ loses no precision that matters.</summary>
    private static float InvRms(ReadOnlySpan<float> x, float eps) => (float)(1.0 / Math.Sqrt(TensorPrimitives.SumOfSquares(x) / (double)x.Length + eps));
}
