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
        Require(x.Rows == y.Rows && x.Cols == y.Cols, $"RmsNorm: x {x.Rows}x{x.Cols} vs y {y.Rows}x{y.Cols}");
        Require(ww.Count == x.Cols, $"RmsNorm: weight '{ww.Name}' has {ww.Count} elements, rows have {x.Cols}");
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
        float ss = 0f;
        for (int c = Group.IdxX; c < n; c += Group.DimX)
        {
            float v = x.Data[x.Idx(row, c)];
            ss += v * v;
        }
        ss = GroupSum(ss, sh);
        float inv = XMath.Rsqrt(ss / n + eps);
        for (int c = Group.IdxX; c < n; c += Group.DimX)
            y.Data[y.Idx(row, c)] = x.Data[x.Idx(row, c)] * inv * (weightOffset + w[c].ToFloat());
    }
}
