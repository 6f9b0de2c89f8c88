using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    public void RmsNorm(Mat x, DeviceWeight w, float eps, float weightOffset, Mat y)
    {
        var xv = View(x, nameof(x));
        var yv = View(y, nameof(y));
        var ww = Weight(w, nameof(w));
        if (x.Rows == 0 || x.Cols == 0) return;
        switch (ww.DType)
        {
            case DType.F32: RmsNormT<F32Elem>(xv, ww, eps, weightOffset, yv); break;
            case DType.BF16: RmsNormT<BF16Elem>(xv, ww, eps, weightOffset, yv); break;
            case DType.F16: RmsNormT<F16Elem>(xv, ww, eps, weightOffset, yv); break;
        }
    }

    private void RmsNormT<TW>(MatV x, IlgpuWeight w, float eps, float weightOffset, MatV y) where TW : unmanaged, IWeightElem
    {
        var k = Kernel("RmsNorm." + typeof(TW).Name, a =>
            a.LoadStreamKernel<MatV, ArrayView<TW>, float, float, MatV>(RmsNormKernel<TW>));
        k(new KernelConfig(x.Rows, _reduceGroup), x, w.View<TW>(), eps, weightOffset, y);
    }

    /// <summary>
    /// One group per row: a strided sum of squares reduced in shared memory, then each thread scales the
    /// elements it read (so y may alias x).
    /// </summary>
    private static void RmsNormKernel<TW>(MatV x, ArrayView<TW> w, float eps, float weightOffset, MatV y)
        where TW : unmanaged, IWeightElem
    {
        var sh = SharedMemory.Allocate<float>(MaxReduceGroup);
        int row = Grid.IdxX;
        int n = x.Cols;
        float ss = RowSumOfSquares(x, row, sh);
        float inv = XMath.Rsqrt(ss / n + eps);
        for (int c = Group.IdxX; c < n; c += Group.DimX)
            y.Data[y.Idx(row, c)] = x.Data[x.Idx(row, c)] * inv * (weightOffset + w[c].ToFloat());
    }

    // ---------------------------------------------------------------- backward

    public void RmsNormBackward(Mat x, DeviceWeight w, float eps, float weightOffset, Mat dy, Mat dx, bool accumulate)
    {
        var xv = View(x, nameof(x));
        var dyv = View(dy, nameof(dy));
        var dxv = View(dx, nameof(dx));
        var ww = Weight(w, nameof(w));
        if (x.Rows == 0 || x.Cols == 0) return;
        switch (ww.DType)
        {
            case DType.F32: RmsNormBackwardT<F32Elem>(xv, ww, eps, weightOffset, dyv, dxv, accumulate); break;
            case DType.BF16: RmsNormBackwardT<BF16Elem>(xv, ww, eps, weightOffset, dyv, dxv, accumulate); break;
            case DType.F16: RmsNormBackwardT<F16Elem>(xv, ww, eps, weightOffset, dyv, dxv, accumulate); break;
        }
    }

    private void RmsNormBackwardT<TW>(MatV x, IlgpuWeight w, float eps, float weightOffset, MatV dy, MatV dx, bool accumulate)
        where TW : unmanaged, IWeightElem
    {
        var k = Kernel("RmsNormBackward." + typeof(TW).Name, a =>
            a.LoadStreamKernel<MatV, ArrayView<TW>, float, float, MatV, MatV, int>(RmsNormBackwardKernel<TW>));
        k(new KernelConfig(x.Rows, _reduceGroup), x, w.View<TW>(), eps, weightOffset, dy, dx, accumulate ? 1 : 0);
    }

    /// <summary>
    /// One group per row: one strided pass accumulates sum(x^2) and sum(dy g x) (two group reductions),
    /// then dx (+)= r dy g - x r^3 mean(dy g x) with r = rsqrt(mean(x^2) + eps), g = weightOffset + w
    /// (dx may alias dy when not accumulating).
    /// </summary>
    private static void RmsNormBackwardKernel<TW>(MatV x, ArrayView<TW> w, float eps, float weightOffset, MatV dy, MatV dx, int accumulate)
        where TW : unmanaged, IWeightElem
    {
        var sh = SharedMemory.Allocate<float>(MaxReduceGroup);
        int row = Grid.IdxX;
        int n = x.Cols;
        float ss = 0f, dot = 0f;
        for (int c = Group.IdxX; c < n; c += Group.DimX)
        {
            float v = x.Data[x.Idx(row, c)];
            ss += v * v;
            dot += dy.Data[dy.Idx(row, c)] * (weightOffset + w[c].ToFloat()) * v;
        }
        ss = GroupSum(ss, sh);
        dot = GroupSum(dot, sh);
        float inv = XMath.Rsqrt(ss / n + eps);
        float b = inv * inv * inv * dot / n;
        for (int c = Group.IdxX; c < n; c += Group.DimX)
        {
            float g = inv * dy.Data[dy.Idx(row, c)] * (weightOffset + w[c].ToFloat()) - b * x.Data[x.Idx(row, c)];
            long o = dx.Idx(row, c);
            dx.Data[o] = accumulate != 0 ? dx.Data[o] + g : g;
        }
    }

    // ---------------------------------------------------------------- weight gradient

    public void RmsNormWeightGrad(Mat x, float eps, Mat dy, Mat dw, bool accumulate)
    {
        var xv = View(x, nameof(x));
        var dyv = View(dy, nameof(dy));
        var dwv = View(dw, nameof(dw));
        if (x.Cols == 0) return;
        using var inv = AllocOf<float>(x.Rows);
        if (x.Rows > 0)
            Kernel("RowInvRms", a => a.LoadStreamKernel<MatV, float, ArrayView<float>>(RowInvRmsKernel))(
                new KernelConfig(x.Rows, _reduceGroup), xv, eps, inv.View);
        Kernel("RmsNormWeightGrad", a => a.LoadAutoGroupedStreamKernel<Index1D, MatV, ArrayView<float>, MatV, MatV, int>(RmsNormWeightGradKernel))(
            x.Cols, xv, inv.View, dyv, dwv, accumulate ? 1 : 0);
    }

    /// <summary>One group per row: inv[r] = rsqrt(mean(x[r]^2) + eps).</summary>
    private static void RowInvRmsKernel(MatV x, float eps, ArrayView<float> inv)
    {
        var sh = SharedMemory.Allocate<float>(MaxReduceGroup);
        int row = Grid.IdxX;
        float ss = RowSumOfSquares(x, row, sh);
        if (Group.IdxX == 0) inv[row] = XMath.Rsqrt(ss / x.Cols + eps);
    }

    /// <summary>One thread per column (neighbouring threads read neighbouring columns): dw[c] (+)= sum_r dy[r, c] x[r, c] inv[r].</summary>
    private static void RmsNormWeightGradKernel(Index1D c, MatV x, ArrayView<float> inv, MatV dy, MatV dw, int accumulate)
    {
        float acc = 0f;
        for (int r = 0; r < x.Rows; r++) acc += dy.Data[dy.Idx(r, c)] * x.Data[x.Idx(r, c)] * inv[r];
        long o = dw.Idx(0, c);
        dw.Data[o] = accumulate != 0 ? dw.Data[o] + acc : acc;
    }
}
