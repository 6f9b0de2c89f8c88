using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    // ---------------------------------------------------------------- weight views

    public DeviceWeight AsWeight(DeviceBuffer<float> data, long offset, int rows, int cols, string name)
    {
        var b = Buf(data, nameof(data));
        if (rows < 0 || cols < 0) throw new ArgumentOutOfRangeException(nameof(rows), $"weight view {name} [{rows},{cols}]");
        long count = (long)rows * cols;
        if (offset < 0 || offset + count > b.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"weight view {name} [{rows},{cols}] at {offset} outside buffer of {b.Length}");
        return new IlgpuWeight(this, name, rows, cols, count == 0 ? b.View.SubView(0, 1) : b.View.SubView(offset, count));
    }

    // ---------------------------------------------------------------- weight gradient

    public void MatMulWeightGrad(Mat dy, Mat x, Mat dW, bool accumulate)
    {
        var dyv = View(dy, nameof(dy));
        var xv = View(x, nameof(x));
        var dwv = View(dW, nameof(dW));
        Require(dy.Rows == x.Rows && dW.Rows == dy.Cols && dW.Cols == x.Cols,
            $"MatMulWeightGrad shapes: dy [{dy.Rows},{dy.Cols}], x [{x.Rows},{x.Cols}] -> dW [{dW.Rows},{dW.Cols}]");
        if (dW.Rows == 0 || dW.Cols == 0) return;
        var k = Kernel("MatMulWeightGrad", a => a.LoadStreamKernel<MatV, MatV, MatV, int>(MatMulWeightGradKernel));
        int t = _tile;
        var grid = new Index2D((dW.Cols + t - 1) / t, (dW.Rows + t - 1) / t);
        var cfg = new KernelConfig(grid, new Index2D(t, t), SharedMemoryConfig.RequestDynamic<float>(2 * t * (t + 1)));
        k(cfg, dyv, xv, dwv, accumulate ? 1 : 0);
    }

    /// <summary>
    /// dW (+)= dy^T x (dy [M, N], x [M, K], dW [N, K]). Group (T, T) computes the T x T tile of dW at
    /// (rows Grid.IdxY*T.., cols Grid.IdxX*T..), looping over M in steps of T with a T x T tile of dy
    /// (rows m, columns n) and one of x (rows m, columns k), both read along their rows (coalesced),
    /// in dynamic shared memory padded to rows of T + 1. Out-of-range loads are zero.
    /// </summary>
    private static void MatMulWeightGradKernel(MatV dy, MatV x, MatV dW, int accumulate)
    {
        var sh = SharedMemory.GetDynamic<float>();
        int t = Group.DimX;
        int s = t + 1;
        int tx = Group.IdxX, ty = Group.IdxY;
        int n0 = Grid.IdxY * t, k0 = Grid.IdxX * t;
        int mDim = dy.Rows, nDim = dW.Rows, kDim = dW.Cols;
        int bOff = t * s;
        int an = n0 + tx; // dy column this thread loads
        int bk = k0 + tx; // x column this thread loads
        float acc = 0f;
        for (int m0 = 0; m0 < mDim; m0 += t)
        {
            int m = m0 + ty;
            sh[ty * s + tx] = m < mDim && an < nDim ? dy.Data[dy.Idx(m, an)] : 0f;
            sh[bOff + ty * s + tx] = m < mDim && bk < kDim ? x.Data[x.Idx(m, bk)] : 0f;
            Group.Barrier();
            for (int mm = 0; mm < t; mm++)
                acc += sh[mm * s + ty] * sh[bOff + mm * s + tx];
            Group.Barrier();
        }
        int n = n0 + ty, kc = k0 + tx;
        if (n < nDim && kc < kDim)
        {
            long o = dW.Idx(n, kc);
            dW.Data[o] = accumulate != 0 ? dW.Data[o] + acc : acc;
        }
    }

    // ---------------------------------------------------------------- bias gradient

    public void ColumnSums(Mat x, DeviceBuffer<float> sums, bool accumulate)
    {
        var xv = View(x, nameof(x));
        var sb = Buf(sums, nameof(sums));
        Require(sb.Length >= x.Cols, $"ColumnSums: sums has {sb.Length} elements, x has {x.Cols} columns");
        if (x.Cols == 0) return;
        var k = Kernel("ColumnSums", a => a.LoadAutoGroupedStreamKernel<Index1D, MatV, ArrayView<float>, int>(ColumnSumsKernel));
        k(x.Cols, xv, sb.View, accumulate ? 1 : 0);
    }

    /// <summary>One thread per column: sums[c] (+)= sum over rows of x[r, c] (neighbouring threads read neighbouring columns).</summary>
    private static void ColumnSumsKernel(Index1D c, MatV x, ArrayView<float> sums, int accumulate)
    {
        float acc = accumulate != 0 ? sums[c] : 0f;
        for (int r = 0; r < x.Rows; r++) acc += x.Data[x.Idx(r, c)];
        sums[c] = acc;
    }

    public void ColumnDots(Mat a, Mat b, DeviceBuffer<float> dots, bool accumulate)
    {
        var av = View(a, nameof(a));
        var bv = View(b, nameof(b));
        var db = Buf(dots, nameof(dots));
        Require(a.Rows == b.Rows && a.Cols == b.Cols, $"ColumnDots: a {a.Rows}x{a.Cols} vs b {b.Rows}x{b.Cols}");
        Require(db.Length >= a.Cols, $"ColumnDots: dots has {db.Length} elements, a has {a.Cols} columns");
        if (a.Cols == 0) return;
        var k = Kernel("ColumnDots", g => g.LoadAutoGroupedStreamKernel<Index1D, MatV, MatV, ArrayView<float>, int>(ColumnDotsKernel));
        k(a.Cols, av, bv, db.View, accumulate ? 1 : 0);
    }

    /// <summary>One thread per column: dots[c] (+)= sum over rows of a[r, c] b[r, c] (coalesced as <see cref="ColumnSumsKernel"/>).</summary>
    private static void ColumnDotsKernel(Index1D c, MatV a, MatV b, ArrayView<float> dots, int accumulate)
    {
        float acc = accumulate != 0 ? dots[c] : 0f;
        for (int r = 0; r < a.Rows; r++) acc += a.Data[a.Idx(r, c)] * b.Data[b.Idx(r, c)];
        dots[c] = acc;
    }

    // ---------------------------------------------------------------- optimiser

    public void AdamStep(DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m, DeviceBuffer<float> v, long count, AdamArgs args)
    {
        var pb = Buf(param, nameof(param));
        var gb = Buf(grad, nameof(grad));
        var mb = Buf(m, nameof(m));
        var vb = Buf(v, nameof(v));
        Require(count >= 0 && count <= pb.Length && count <= gb.Length && count <= mb.Length && count <= vb.Length,
            $"AdamStep: {count} parameters, buffers of {pb.Length} (param), {gb.Length} (grad), {mb.Length} (m), {vb.Length} (v)");
        int n = Count(count, "AdamStep");
        if (n == 0) return;
        var k = Kernel("AdamStep", a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, AdamK>(AdamStepKernel));
        k(n, pb.View, gb.View, mb.View, vb.View, new AdamK
        {
            Lr = args.Lr, Beta1 = args.Beta1, Beta2 = args.Beta2, Eps = args.Eps,
            WeightDecay = args.WeightDecay, C1 = args.C1, C2 = args.C2, GradScale = args.GradScale,
        });
    }

    /// <summary>The scalars of <see cref="AdamArgs"/> as a plain kernel argument.</summary>
    public struct AdamK
    {
        public float Lr, Beta1, Beta2, Eps, WeightDecay, C1, C2, GradScale;
    }

    /// <summary>One thread per parameter: the AdamW update, evaluated exactly as on the CPU backend.</summary>
    private static void AdamStepKernel(Index1D i, ArrayView<float> p, ArrayView<float> g, ArrayView<float> m, ArrayView<float> v, AdamK a)
    {
        float gi = a.GradScale * g[i];
        float mi = a.Beta1 * m[i] + (1 - a.Beta1) * gi;
        float vi = a.Beta2 * v[i] + (1 - a.Beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        float pi = p[i];
        p[i] = pi - (a.Lr * (mi / a.C1) / (XMath.Sqrt(vi / a.C2) + a.Eps) + a.Lr * a.WeightDecay * pi);
    }

    // ---------------------------------------------------------------- row normalisation

    public void NormalizeRows(Mat x)
    {
        var xv = View(x, nameof(x));
        if (x.Rows == 0 || x.Cols == 0) return;
        var k = Kernel("NormalizeRows", a => a.LoadStreamKernel<MatV>(NormalizeRowsKernel));
        k(new KernelConfig(x.Rows, _reduceGroup), xv);
    }

    /// <summary>One group per row: a strided sum of squares reduced in shared memory, then the row is scaled to unit norm (zero rows stay zero).</summary>
    private static void NormalizeRowsKernel(MatV x)
    {
        var sh = SharedMemory.Allocate<float>(MaxReduceGroup);
        int row = Grid.IdxX;
        int n = x.Cols;
        float ss = RowSumOfSquares(x, row, sh);
        if (ss > 0f)
        {
            float inv = 1f / XMath.Sqrt(ss);
            for (int c = Group.IdxX; c < n; c += Group.DimX)
            {
                long o = x.Idx(row, c);
                x.Data[o] = x.Data[o] * inv;
            }
        }
    }
}
