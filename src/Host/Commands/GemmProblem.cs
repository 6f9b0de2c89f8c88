using NativeTV.Kernels;
using NativeTV.Kernels.Cpu;
using NativeTV.Kernels.Ilgpu;

namespace NativeTV.Host.Commands;

/// <summary>
/// One GEMM shape on a backend, y [M, N] = x [M, K] W^T with W [N, K] stored in a dtype: timed through
/// <see cref="IBackend.MatMul"/> (the kernel every model matmul runs) and, on cuda, through cuBLASLt on the
/// same operands, or on cpu through oneDNN's bf16 matmul, each checked against a float64 reference. x is rounded
/// to W's dtype so that cuBLAS and oneDNN, which read x in that dtype, compute exactly the product the backend does.
/// </summary>
public sealed class GemmProblem : IDisposable
{
    /// <summary>Multiply-adds the reference may spend; rows beyond it are sampled evenly (a 256000 x 2048 weight is checked on a few rows).</summary>
    private const double ReferenceBudget = 2e9;

    private readonly IBackend _be;
    private readonly float[] _x, _w;
    private readonly Mat _xMat, _y;
    private readonly DeviceWeight _weight;
    private DeviceWeight? _xWeight;

    public int M { get; }
    public int N { get; }
    public int K { get; }
    public DType DType { get; }
    public double Flops => 2.0 * M * N * K;

    public GemmProblem(IBackend be, int m, int n, int k, DType dtype, int seed = 0)
    {
        _be = be; M = m; N = n; K = k; DType = dtype;
        _x = Random(m, k, dtype, seed);
        _w = Random(n, k, dtype, seed + 1);
        _xMat = be.UploadMat(_x, m, k);
        _weight = be.Upload(HostTensor.FromFloats("w", _w, [n, k], dtype));
        _y = be.AllocMat(m, n);
    }

    /// <summary>Median seconds of one backend MatMul (synchronised), after a warm-up.</summary>
    public double TimeBackend(int reps) => BenchCommand.Median(reps, () => { _be.MatMul(_xMat, _weight, _y); _be.Synchronize(); });

    /// <summary>Median seconds of one cuBLASLt GEMM on the same operands and stream.</summary>
    public double TimeCublas(CublasMatMul cublas, int reps)
    {
        var x = _xWeight ??= _be.Upload(HostTensor.FromFloats("x", _x, [M, K], DType));
        return BenchCommand.Median(reps, () => { cublas.MatMul(x, _weight, _y); _be.Synchronize(); });
    }

    /// <summary>Median seconds of one oneDNN bf16 matmul on the same operands, into host memory of its own (<see cref="OneDnnResult"/>).</summary>
    public double TimeOneDnn(Bf16Gemm gemm, int reps)
    {
        var x = new ushort[_x.Length];
        var w = new ushort[_w.Length];
        Bf16Gemm.Round(_x, x);
        Bf16Gemm.Round(_w, w);
        var y = new float[(long)M * N];
        OneDnnResult = y;
        return BenchCommand.Median(reps, () => gemm.Multiply(M, N, K, x, w, true, y));
    }

    /// <summary>y of the last <see cref="TimeOneDnn"/>.</summary>
    public float[]? OneDnnResult { get; private set; }

    /// <summary>
    /// max |y - ref| / max |ref| over the checked rows, for the product last run on the backend, or for
    /// <paramref name="host"/> (y [M, N] in host memory) where given (relative to the largest entry:
    /// elementwise ratios are meaningless where a sum cancels to near zero).
    /// </summary>
    public double MaxRelError(float[]? host = null)
    {
        int rows = (int)Math.Clamp(ReferenceBudget / ((double)N * K), 1, M);
        var y = new float[rows][];
        for (int i = 0; i < rows; i++)
        {
            y[i] = new float[N];
            if (host != null) Array.Copy(host, Row(i, rows) * (long)N, y[i], 0, N);
            else _be.CopyToHost(_y.Buf, Row(i, rows) * (long)N, y[i]);
        }
        var errs = new double[rows];
        var refs = new double[rows];
        Parallel.For(0, rows, i =>
        {
            long r = Row(i, rows);
            for (int j = 0; j < N; j++)
            {
                double s = 0;
                for (int c = 0; c < K; c++) s += (double)_x[r * K + c] * _w[(long)j * K + c];
                errs[i] = Math.Max(errs[i], Math.Abs(y[i][j] - s));
                refs[i] = Math.Max(refs[i], Math.Abs(s));
            }
        });
        return errs.Max() / Math.Max(refs.Max(), double.Epsilon);
    }

    /// <summary>The i-th of <paramref name="rows"/> rows spread evenly over M.</summary>
    private int Row(int i, int rows) => (int)((long)i * M / rows);

    /// <summary>Uniform values in [-1, 1) rounded to the dtype.</summary>
    private static float[] Random(int rows, int cols, DType dtype, int seed)
    {
        var rng = new Random(seed);
        var v = new float[(long)rows * cols];
        for (long i = 0; i < v.LongLength; i++) v[i] = dtype.RoundTo(2f * rng.NextSingle() - 1f);
        return v;
    }

    public void Dispose()
    {
        _xMat.Buf.Dispose();
        _y.Buf.Dispose();
        _weight.Dispose();
        _xWeight?.Dispose();
    }
}
