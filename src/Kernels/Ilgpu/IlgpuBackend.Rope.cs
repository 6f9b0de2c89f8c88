using ILGPU;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    public void Rope(Mat x, int heads, int headDim, int rotDim, DeviceBuffer<int> positions, DeviceBuffer<float> cos, DeviceBuffer<float> sin, bool backward = false)
    {
        var xv = View(x, nameof(x));
        var pb = Buf(positions, nameof(positions));
        var cb = Buf(cos, nameof(cos));
        var sb = Buf(sin, nameof(sin));
        int half = rotDim / 2;
        int n = Count((long)x.Rows * heads * half, "Rope");
        if (n == 0) return;
        var k = Kernel("Rope", a =>
            a.LoadAutoGroupedStreamKernel<Index1D, MatV, int, int, int, ArrayView<int>, ArrayView<float>, ArrayView<float>, float>(RopeKernel));
        k(n, xv, heads, headDim, half, pb.View, cb.View, sb.View, backward ? -1f : 1f);
    }

    /// <summary>
    /// One thread per (row, head, i &lt; half): rotates the pair (i, i + half) of that head in place;
    /// <paramref name="sinSign"/> = -1 rotates by the opposite angle (the transpose, for the backward).
    /// </summary>
    private static void RopeKernel(Index1D idx, MatV x, int heads, int headDim, int half,
        ArrayView<int> positions, ArrayView<float> cos, ArrayView<float> sin, float sinSign)
    {
        int i = idx % half;
        int rh = idx / half;
        int h = rh % heads;
        int r = rh / heads;
        long cs = (long)positions[r] * half + i;
        float c = cos[cs], s = sinSign * sin[cs];
        long a = x.Idx(r, h * headDim + i);
        long b = a + half;
        float x1 = x.Data[a], x2 = x.Data[b];
        x.Data[a] = x1 * c - x2 * s;
        x.Data[b] = x2 * c + x1 * s;
    }
}
