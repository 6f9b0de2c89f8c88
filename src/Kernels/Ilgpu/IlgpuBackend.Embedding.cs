using ILGPU;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    public void Embedding(DeviceWeight table, DeviceBuffer<int> ids, float scale, Mat y)
    {
        var w = Weight(table, nameof(table));
        var idb = Buf(ids, nameof(ids));
        var yv = View(y, nameof(y));
        int n = Count((long)y.Rows * y.Cols, "Embedding");
        if (n == 0) return;
        switch (w.DType)
        {
            case DType.F32: EmbeddingT<F32Elem>(w, idb, scale, yv, n); break;
            case DType.BF16: EmbeddingT<BF16Elem>(w, idb, scale, yv, n); break;
            case DType.F16: EmbeddingT<F16Elem>(w, idb, scale, yv, n); break;
        }
    }

    private void EmbeddingT<TW>(IlgpuWeight w, IlgpuBuffer<int> ids, float scale, MatV y, int n) where TW : unmanaged, IWeightElem
    {
        var k = Kernel("Embedding." + typeof(TW).Name, a =>
            a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<TW>, ArrayView<int>, float, MatV>(EmbeddingKernel<TW>));
        k(n, w.View<TW>(), ids.View, scale, y);
    }

    /// <summary>One thread per output element: y[i, c] = scale * table[ids[i], c].</summary>
    private static void EmbeddingKernel<TW>(Index1D idx, ArrayView<TW> table, ArrayView<int> ids, float scale, MatV y)
        where TW : unmanaged, IWeightElem
    {
        int i = idx / y.Cols;
        int c = idx - i * y.Cols;
        long src = (long)ids[i] * y.Cols + c;
        y.Data[y.Idx(i, c)] = scale * table[src].ToFloat();
    }
}
