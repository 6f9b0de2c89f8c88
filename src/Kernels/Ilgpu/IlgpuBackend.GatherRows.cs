using ILGPU;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    public void GatherRows(Mat x, DeviceBuffer<int> rows, Mat y)
    {
        var xv = View(x, nameof(x));
        var yv = View(y, nameof(y));
        var rb = Buf(rows, nameof(rows));
        int n = Count((long)y.Rows * y.Cols, "GatherRows");
        if (n == 0) return;
        var k = Kernel("GatherRows", a =>
            a.LoadAutoGroupedStreamKernel<Index1D, MatV, ArrayView<int>, MatV>(GatherRowsKernel));
        k(n, xv, rb.View, yv);
    }

    /// <summary>One thread per element: y[i, c] = x[rows[i], c].</summary>
    private static void GatherRowsKernel(Index1D idx, MatV x, ArrayView<int> rows, MatV y)
    {
        int i = idx / y.Cols;
        int c = idx - i * y.Cols;
        y.Data[y.Idx(i, c)] = x.Data[x.Idx(rows[i], c)];
    }

    // ---------------------------------------------------------------- backward

    public void ScatterAddRows(Mat x, DeviceBuffer<int> rows, Mat y)
    {
        var xv = View(x, nameof(x));
        var yv = View(y, nameof(y));
        var rb = Buf(rows, nameof(rows));
        int n = Count((long)x.Rows * x.Cols, "ScatterAddRows");
        if (n == 0) return;
        var k = Kernel("ScatterAddRows", a =>
            a.LoadAutoGroupedStreamKernel<Index1D, MatV, ArrayView<int>, MatV>(ScatterAddRowsKernel));
        k(n, xv, rb.View, yv);
    }

    /// <summary>One thread per element: y[rows[i], c] += x[i, c]; atomic, so repeated row ids add up.</summary>
    private static void ScatterAddRowsKernel(Index1D idx, MatV x, ArrayView<int> rows, MatV y)
    {
        int i = idx / x.Cols;
        int c = idx - i * x.Cols;
        Atomic.Add(ref y.Data[y.Idx(rows[i], c)], x.Data[x.Idx(i, c)]);
    }
}
