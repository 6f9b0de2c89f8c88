using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using NativeTV.Kernels;
using NativeTV.Kernels.Ilgpu;

namespace NativeTV.Tests.Ops;

/// <summary>
/// The tensor-core GEMM (bf16 precision) on the ILGPU backends against a scalar double product of the operands
/// rounded to 16 bits, so the only difference left is float32 accumulation (bound 1e-5 of the largest entry;
/// unrounded operands would miss it by ~4e-3): odd shapes (partial tiles and pairs), every transpose combination,
/// accumulation, and weights stored bf16, f16 and f32.
/// </summary>
[TestFixtureSource(typeof(TensorCoreGemmTests), nameof(Devices))]
public class TensorCoreGemmTests(string device)
{
    private const double Tol = 1e-5;

    /// <summary>The ILGPU devices of the test run (ilgpu-cpu, or cuda on a GPU).</summary>
    public static IEnumerable<string> Devices => TestBackends.Names.Where(n => n != "cpu");

    private IBackend be = null!;
    private IlgpuBackend ilgpu = null!;

    [OneTimeSetUp]
    public void CreateBackend()
    {
        be = BackendFactory.Create(device, Precision.BF16);
        ilgpu = (IlgpuBackend)BackendDecorator.Undecorated(be);
    }

    [OneTimeTearDown] public void DisposeBackend() => be.Dispose();

    /// <summary>Values rounded to a 16-bit dtype, as doubles.</summary>
    private static double[] Rounded(float[] v, DType dt) => v.Select(x => (double)dt.RoundTo(x)).ToArray();

    [Test]
    public void Gemm([Values(17, 1, 50)] int m, [Values(false, true)] bool transA, [Values(false, true)] bool transB, [Values(false, true)] bool accumulate)
    {
        // 17x33x40, 1x8x16, 50x7x129 (M x N x K)
        (int n, int k) = m switch { 17 => (33, 40), 1 => (8, 16), _ => (7, 129) };
        var rng = new Random(m * 7 + (transA ? 1 : 0) + (transB ? 2 : 0));
        var a = TestData.Normal(rng, m * k);
        var b = TestData.Normal(rng, k * n);
        var c0 = TestData.Normal(rng, m * n);
        // Stored forms: A as [M, K] or [K, M], B as [K, N] or [N, K], each with padding columns.
        var aMat = Upload(transA ? Transpose(a, m, k) : a, transA ? k : m, transA ? m : k);
        var bMat = Upload(transB ? Transpose(b, k, n) : b, transB ? n : k, transB ? k : n);
        var cMat = Upload(c0, m, n);
        ilgpu.Gemm(aMat, transA, bMat, transB, cMat, accumulate);

        var ar = Rounded(a, DType.BF16);
        var br = Rounded(b, DType.BF16);
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = accumulate ? c0[i * n + j] : 0;
                for (int p = 0; p < k; p++) s += ar[i * k + p] * br[p * n + j];
                expected[i * n + j] = s;
            }
        Assert.That(TestData.RelMaxError(be.Download(cMat), expected), Is.LessThan(Tol));
    }

    /// <summary>y = x W^T and y += x W with W stored in each dtype: f16 weights give f16 MMAs (x rounded to f16), the others bf16.</summary>
    [TestCase(17, 40, 33, DType.BF16)]
    [TestCase(17, 40, 33, DType.F16)]
    [TestCase(5, 19, 9, DType.F32)]
    public void MatMulWeights(int m, int k, int n, DType dt)
    {
        var rng = new Random(m + k + n);
        var x = TestData.Normal(rng, m * k);
        var wt = HostTensor.FromFloats("w", TestData.Normal(rng, n * k), [n, k], dt);
        var ot = dt == DType.F16 ? DType.F16 : DType.BF16;
        var xr = Rounded(x, ot);
        var wr = Rounded(wt.ToFloats(), ot);
        using var w = be.Upload(wt);
        var y = Upload(new float[m * n], m, n);
        be.MatMul(Upload(x, m, k), w, y);
        Assert.That(TestData.RelMaxError(be.Download(y), ScalarReference.MatMul(xr, m, k, wr, n)), Is.LessThan(Tol), "x W^T");

        // dx (+)= dy W: W as stored [n, k], dy [m, n].
        var dy = TestData.Normal(rng, m * n);
        var dx0 = TestData.Normal(rng, m * k);
        var dx = Upload(dx0, m, k);
        be.MatMulNoTranspose(Upload(dy, m, n), w, dx, accumulate: true);
        var expected = ScalarReference.MatMulBackward(Rounded(dy, ot), m, n, wr, k);
        for (int i = 0; i < expected.Length; i++) expected[i] += dx0[i];
        Assert.That(TestData.RelMaxError(be.Download(dx), expected), Is.LessThan(Tol), "dy W");
    }

    /// <summary>
    /// The CUDA tiling (4 warps, 128 x 128 tiles, 4 x 8 fragments a warp) run on a simulator of 4 warps of 32 lanes,
    /// so its index arithmetic is checked before a GPU runs it: y = x W^T with W stored bf16, one full and one
    /// partial tile row, a partial tile column, a partial slice.
    /// </summary>
    [Test]
    public void CudaTilingOnTheSimulator()
    {
        Assume.That(device, Is.EqualTo("ilgpu-cpu"), "on cuda the backend runs this tiling in every other test");
        const int m = 130, n = 72, k = 40;
        using var ctx = Context.Create(x => x.CPU(new CPUDevice(32, 4, 1)));
        using var acc = ctx.CreateCPUAccelerator(0);
        var rng = new Random(11);
        var x = TestData.Normal(rng, m * k);
        var w = TestData.Normal(rng, n * k);
        using var xb = acc.Allocate1D(x);
        using var wb = acc.Allocate1D(w.Select(v => new BF16Elem { Bits = DTypes.FloatToBF16(v) }).ToArray());
        using var yb = acc.Allocate1D<float>(m * n);
        var c = new MatV { Data = yb.View, Rows = m, Cols = n, Ld = n };
        var g = new GemmArgs { M = m, N = n, K = k, A = new GemmOperand { Ld = k }, B = new GemmOperand { Ld = k, Trans = 1 } };
        acc.LoadStreamKernel<ArrayView<float>, ArrayView<BF16Elem>, MatV, GemmArgs>(IlgpuBackend.TensorCoreGemmKernel<BF16Elem, Bf16Operand, GpuMmaTiling>)(
            MmaTilings.Launch<GpuMmaTiling>(m, n), xb.View, wb.View, c, g);
        acc.Synchronize();
        var expected = ScalarReference.MatMul(Rounded(x, DType.BF16), m, k, Rounded(w, DType.BF16), n);
        Assert.That(TestData.RelMaxError(yb.GetAsArray1D(), expected), Is.LessThan(Tol));
    }

    private Mat Upload(float[] dense, int rows, int cols)
    {
        const int padLeft = 3, padRight = 2;
        int ld = cols + padLeft + padRight;
        var host = new float[rows * ld];
        for (int r = 0; r < rows; r++) Array.Copy(dense, r * cols, host, r * ld + padLeft, cols);
        return new Mat(be.Upload(host), padLeft, rows, cols, ld);
    }

    private static float[] Transpose(float[] x, int rows, int cols)
    {
        var t = new float[x.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = x[r * cols + c];
        return t;
    }
}
