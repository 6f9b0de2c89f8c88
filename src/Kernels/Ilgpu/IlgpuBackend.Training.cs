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

    // ---------------------------------------------------------------- bias gradient

    public void ColumnSums(Mat x, DeviceBuffer<float> sums, bool accumulate)
    {
        var xv = View(x, nameof(x));
        var sb = Buf(sums, nameof(sums));
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
