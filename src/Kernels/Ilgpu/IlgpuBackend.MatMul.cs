using ILGPU;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    public void MatMul(Mat x, DeviceWeight w, Mat y)
    {
        var xv = View(x, nameof(x));
        var yv = View(y, nameof(y));
        var ww = Weight(w, nameof(w));
        Require(x.Cols == ww.Cols, $"MatMul: x has {x.Cols} columns, weight '{ww.Name}' is [{ww.Rows}, {ww.Cols}]");
        Require(y.Rows == x.Rows && y.Cols == ww.Rows, $"MatMul: y is {y.Rows}x{y.Cols}, expected {x.Rows}x{ww.Rows}");
        if (y.Rows == 0 || y.Cols == 0) return;
        switch (ww.DType)
        {
            case DType.F32: MatMulT<F32Elem>(xv, ww, yv); break;
            case DType.BF16: MatMulT<BF16Elem>(xv, ww, yv); break;
            case DType.F16: MatMulT<F16Elem>(xv, ww, yv); break;
        }
    }

    private void MatMulT<TW>(MatV x, IlgpuWeight w, MatV y) where TW : unmanaged, IWeightElem
    {
        var k = Kernel("MatMul." + typeof(TW).Name, a =>
            a.LoadStreamKernel<MatV, ArrayView<TW>, MatV>(MatMulKernel<TW>));
        int t = _tile;
        var grid = new Index2D((y.Cols + t - 1) / t, (y.Rows + t - 1) / t);
        var cfg = new KernelConfig(grid, new Index2D(t, t), SharedMemoryConfig.RequestDynamic<float>(2 * t * (t + 1)));
        k(cfg, x, w.View<TW>(), y);
    }

    /// <summary>
    /// y = x W^T, W [N, K] row-major. Group (T, T) computes the T x T output tile at
    /// (rows Grid.IdxY*T.., cols Grid.IdxX*T..), staging T x T tiles of x and W (widened to float32) in
    /// dynamic shared memory (padded rows of T + 1 to avoid bank conflicts). Out-of-range loads are zero.
    /// </summary>
    private static void MatMulKernel<TW>(MatV x, ArrayView<TW> w, MatV y) where TW : unmanaged, IWeightElem
    {
        var sh = SharedMemory.GetDynamic<float>();
        int t = Group.DimX;
        int s = t + 1;
        int tx = Group.IdxX, ty = Group.IdxY;
        int m0 = Grid.IdxY * t, n0 = Grid.IdxX * t;
        int kDim = x.Cols, mDim = x.Rows, nDim = y.Cols;
        int bOff = t * s;
        int am = m0 + ty; // x row this thread loads
        int bn = n0 + ty; // W row this thread loads
        float acc = 0f;
        for (int k0 = 0; k0 < kDim; k0 += t)
        {
            int k = k0 + tx;
            sh[ty * s + tx] = am < mDim && k < kDim ? x.Data[x.Idx(am, k)] : 0f;
            sh[bOff + ty * s + tx] = bn < nDim && k < kDim ? w[(long)bn * kDim + k].ToFloat() : 0f;
            Group.Barrier();
            for (int kk = 0; kk < t; kk++)
                acc += sh[ty * s + kk] * sh[bOff + tx * s + kk];
            Group.Barrier();
        }
        int m = m0 + ty, n = n0 + tx;
        if (m < mDim && n < nDim) y.Data[y.Idx(m, n)] = acc;
    }
}
