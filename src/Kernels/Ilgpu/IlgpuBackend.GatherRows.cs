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
        Require(x.Cols == y.Cols, $"GatherRows: x has {x.Cols} columns, y {y.Cols}");
        Require(rb.Length >= y.Rows, $"GatherRows: {y.Rows} rows but {rb.Length} row ids");
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
}
