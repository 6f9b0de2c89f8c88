using NativeTV.Kernels;

namespace NativeTV.Tests.Ops;

/// <summary>One backend per fixture (ILGPU compiles each kernel once per backend), and strided test inputs.</summary>
public abstract class BackendFixture(string device)
{
    protected IBackend be = null!;

    [OneTimeSetUp] public void CreateBackend() => be = BackendFactory.Create(device);
    [OneTimeTearDown] public void DisposeBackend() => be.Dispose();

    /// <summary>A view with padding columns on both sides, so Offset and Ld are exercised.</summary>
    protected Mat Strided(float[] dense, int rows, int cols, int padLeft = 3, int padRight = 2)
    {
        int ld = cols + padLeft + padRight;
        var host = new float[rows * ld];
        for (int r = 0; r < rows; r++) Array.Copy(dense, r * cols, host, r * ld + padLeft, cols);
        return new Mat(be.Upload(host), padLeft, rows, cols, ld);
    }

    protected Mat Zeros(int rows, int cols) => Strided(new float[rows * cols], rows, cols);
}
