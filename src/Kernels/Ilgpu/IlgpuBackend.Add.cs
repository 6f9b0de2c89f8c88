using ILGPU;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    public void Add(Mat y, Mat x, float alpha = 1f)
    {
        var yv = View(y, nameof(y));
        var xv = View(x, nameof(x));
        int n = Count((long)y.Rows * y.Cols, "Add");
        if (n == 0) return;
        var k = Kernel("Add", a => a.LoadAutoGroupedStreamKernel<Index1D, MatV, MatV, float>(AddKernel));
        k(n, yv, xv, alpha);
    }

    /// <summary>One thread per element: y += alpha x.</summary>
    private static void AddKernel(Index1D idx, MatV y, MatV x, float alpha)
    {
        int r = idx / y.Cols;
        int c = idx - r * y.Cols;
        y.Data[y.Idx(r, c)] += alpha * x.Data[x.Idx(r, c)];
    }

    public void AddScaledRows(Mat y, Mat x, DeviceBuffer<float> s, float alpha = 1f)
    {
        var yv = View(y, nameof(y));
        var xv = View(x, nameof(x));
        var sb = Buf(s, nameof(s));
        int n = Count((long)y.Rows * y.Cols, "AddScaledRows");
        if (n == 0) return;
        var k = Kernel("AddScaledRows", a => a.LoadAutoGroupedStreamKernel<Index1D, MatV, MatV, ArrayView<float>, float>(AddScaledRowsKernel));
        k(n, yv, xv, sb.View, alpha);
    }

    /// <summary>One thread per element: y[r, c] += (alpha s[r]) x[r, c].</summary>
    private static void AddScaledRowsKernel(Index1D idx, MatV y, MatV x, ArrayView<float> s, float alpha)
    {
        int r = idx / y.Cols;
        int c = idx - r * y.Cols;
        y.Data[y.Idx(r, c)] += alpha * s[r] * x.Data[x.Idx(r, c)];
    }

    public void Copy(Mat x, Mat y)
    {
        var xv = View(x, nameof(x));
        var yv = View(y, nameof(y));
        int n = Count((long)y.Rows * y.Cols, "Copy");
        if (n == 0) return;
        var k = Kernel("Copy", a => a.LoadAutoGroupedStreamKernel<Index1D, MatV, MatV>(CopyKernel));
        k(n, xv, yv);
    }

    /// <summary>One thread per element: y = x.</summary>
    private static void CopyKernel(Index1D idx, MatV x, MatV y)
    {
        int r = idx / y.Cols;
        int c = idx - r * y.Cols;
        y.Data[y.Idx(r, c)] = x.Data[x.Idx(r, c)];
    }
}
