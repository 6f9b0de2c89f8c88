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

    // ---------------------------------------------------------------- backward

    public void MatMulBackward(Mat dy, DeviceWeight w, Mat dx, bool accumulate)
    {
        var dyv = View(dy, nameof(dy));
        var dxv = View(dx, nameof(dx));
        var ww = Weight(w, nameof(w));
        Require(dy.Cols == ww.Rows, $"MatMulBackward: dy has {dy.Cols} columns, weight '{ww.Name}' is [{ww.Rows}, {ww.Cols}]");
        Require(dx.Rows == dy.Rows && dx.Cols == ww.Cols, $"MatMulBackward: dx is {dx.Rows}x{dx.Cols}, expected {dy.Rows}x{ww.Cols}");
        if (dx.Rows == 0 || dx.Cols == 0) return;
        switch (ww.DType)
        {
            case DType.F32: MatMulBackwardT<F32Elem>(dyv, ww, dxv, accumulate); break;
            case DType.BF16: MatMulBackwardT<BF16Elem>(dyv, ww, dxv, accumulate); break;
            case DType.F16: MatMulBackwardT<F16Elem>(dyv, ww, dxv, accumulate); break;
        }
    }

    private void MatMulBackwardT<TW>(MatV dy, IlgpuWeight w, MatV dx, bool accumulate) where TW : unmanaged, IWeightElem
    {
        var k = Kernel("MatMulBackward." + typeof(TW).Name, a =>
            a.LoadStreamKernel<MatV, ArrayView<TW>, MatV, int>(MatMulBackwardKernel<TW>));
        int t = _tile;
        var grid = new Index2D((dx.Cols + t - 1) / t, (dx.Rows + t - 1) / t);
        var cfg = new KernelConfig(grid, new Index2D(t, t), SharedMemoryConfig.RequestDynamic<float>(2 * t * (t + 1)));
        k(cfg, dy, w.View<TW>(), dx, accumulate ? 1 : 0);
    }

    /// <summary>
    /// dx (+)= dy W, W [N, K] row-major. Group (T, T) computes the T x T tile of dx at
    /// (rows Grid.IdxY*T.., cols Grid.IdxX*T..), looping over N in steps of T with a T x T tile of dy
    /// and one of W (rows n, columns k: read along K, so coalesced) in dynamic shared memory.
    /// </summary>
    private static void MatMulBackwardKernel<TW>(MatV dy, ArrayView<TW> w, MatV dx, int accumulate) where TW : unmanaged, IWeightElem
    {
        var sh = SharedMemory.GetDynamic<float>();
        int t = Group.DimX;
        int s = t + 1;
        int tx = Group.IdxX, ty = Group.IdxY;
        int m0 = Grid.IdxY * t, k0 = Grid.IdxX * t;
        int nDim = dy.Cols, mDim = dx.Rows, kDim = dx.Cols;
        int bOff = t * s;
        int am = m0 + ty; // dy row this thread loads
        int bk = k0 + tx; // W column this thread loads
        float acc = 0f;
        for (int n0 = 0; n0 < nDim; n0 += t)
        {
            int an = n0 + tx, bn = n0 + ty;
            sh[ty * s + tx] = am < mDim && an < nDim ? dy.Data[dy.Idx(am, an)] : 0f;
            sh[bOff + ty * s + tx] = bn < nDim && bk < kDim ? w[(long)bn * kDim + bk].ToFloat() : 0f;
            Group.Barrier();
            for (int nn = 0; nn < t; nn++)
                acc += sh[ty * s + nn] * sh[bOff + nn * s + tx];
            Group.Barrier();
        }
        int m = m0 + ty, kc = k0 + tx;
        if (m < mDim && kc < kDim)
        {
            long o = dx.Idx(m, kc);
            dx.Data[o] = accumulate != 0 ? dx.Data[o] + acc : acc;
        }
    }
}
