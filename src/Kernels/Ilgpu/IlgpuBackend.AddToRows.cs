using ILGPU;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    public void AddToRows(Mat y, DeviceBuffer<int> rows, int count, DeviceBuffer<float> v, float scale)
    {
        var yv = View(y, nameof(y));
        var rb = Buf(rows, nameof(rows));
        var vb = Buf(v, nameof(v));
        int n = Count((long)count * y.Cols, "AddToRows");
        if (n == 0) return;
        var k = Kernel("AddToRows", a =>
            a.LoadAutoGroupedStreamKernel<Index1D, MatV, ArrayView<int>, ArrayView<float>, float>(AddToRowsKernel));
        k(n, yv, rb.View, vb.View, scale);
    }

    /// <summary>One thread per (i, c): y[rows[i], c] += scale * v[c]; atomic, so repeated row ids add up.</summary>
    private static void AddToRowsKernel(Index1D idx, MatV y, ArrayView<int> rows, ArrayView<float> v, float scale)
    {
        int i = idx / y.Cols;
        int c = idx - i * y.Cols;
        Atomic.Add(ref y.Data[y.Idx(rows[i], c)], scale * v[c]);
    }
}
