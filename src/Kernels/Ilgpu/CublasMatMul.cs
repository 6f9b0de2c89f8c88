using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using NativeTV.Kernels.Native;

namespace NativeTV.Kernels.Ilgpu;

/// <summary>
/// y = A W^T through cuBLASLt on the cuda backend's own buffers, context and stream: the vendor's GEMM
/// rate that NativeTV's kernels are measured against in the same run (`bench gemm`, `bench pipeline`).
/// A and W are weights of one dtype (F32, BF16 or F16), y is float32; accumulation is float32.
/// </summary>
public sealed unsafe class CublasMatMul : IDisposable
{
    /// <summary>cuBLASLt picks among algorithms that fit this workspace (what PyTorch gives it on Hopper).</summary>
    private const long WorkspaceBytes = 32L << 20;

    private readonly CublasLt _lt;
    private readonly IlgpuBackend _be;
    private readonly IntPtr _handle;
    private readonly MemoryBuffer1D<byte, Stride1D.Dense> _workspace;
    private readonly Dictionary<(int M, int N, int K, int Ld, DType DType), Plan> _plans = [];

    /// <summary>One shape's descriptors and the algorithm cuBLASLt's heuristic chose, kept so timed calls do no set-up.</summary>
    private sealed class Plan
    {
        public IntPtr Desc, A, B, C;
        public CublasLt.HeuristicResult Algo;
    }

    /// <summary>For a cuda backend (seen through any decorators); throws one line for another device or without cuBLASLt.</summary>
    public CublasMatMul(IBackend backend)
    {
        _be = BackendDecorator.Undecorated(backend) as IlgpuBackend is { Name: "cuda" } be ? be
            : throw new ArgumentException($"cuBLAS runs on --device cuda, not {backend.Name}");
        _lt = CublasLt.Instance;
        _be.Accelerator.Bind();
        IntPtr h;
        _lt.Check(_lt.Create(&h), "cublasLtCreate");
        _handle = h;
        _workspace = _be.Accelerator.Allocate1D<byte>(WorkspaceBytes);
    }

    /// <summary>y = a w^T: a [M, K] and w [N, K] of one dtype, y [M, N] float32 (row-major, y.Ld apart).</summary>
    public void MatMul(DeviceWeight a, DeviceWeight w, Mat y)
    {
        if (a.DType != w.DType || a.Cols != w.Cols || y.Rows != a.Rows || y.Cols != w.Rows)
            throw new ArgumentException($"cuBLAS MatMul: a [{a.Rows}, {a.Cols}] {a.DType}, w [{w.Rows}, {w.Cols}] {w.DType}, y [{y.Rows}, {y.Cols}] do not match");
        var plan = PlanFor(a.Rows, w.Rows, a.Cols, y.Ld, a.DType);
        float alpha = 1f, beta = 0f;
        var yb = (IlgpuBuffer<float>)y.Buf;
        IntPtr yp = Address(yb.View, y.Offset), stream = ((CudaStream)_be.Accelerator.DefaultStream).StreamPtr;
        fixed (CublasLt.HeuristicResult* algo = &plan.Algo)
            _lt.Check(_lt.Matmul(_handle, plan.Desc, &alpha, ((IlgpuWeight)w).Address, plan.A, ((IlgpuWeight)a).Address, plan.B, &beta,
                yp, plan.C, yp, plan.C, algo->Algo, Address<byte>(_workspace.View, 0), (nuint)WorkspaceBytes, stream), "cublasLtMatmul");
    }

    /// <summary>
    /// cuBLAS is column-major: row-major y [M, N] = a w^T is column-major y^T [N, M] = w a^T, so cuBLAS's A is
    /// w (column-major [K, N], transposed), its B is a (column-major [K, M]) and its C is y^T (ld y.Ld).
    /// </summary>
    private Plan PlanFor(int m, int n, int k, int ld, DType dtype)
    {
        if (_plans.TryGetValue((m, n, k, ld, dtype), out var p)) return p;
        int type = dtype switch { DType.F32 => CublasLt.R32F, DType.BF16 => CublasLt.R16BF, DType.F16 => CublasLt.R16F, _ => throw new ArgumentException($"cuBLAS MatMul: unsupported dtype {dtype}") };
        IntPtr desc, la, lb, lc, pref;
        _lt.Check(_lt.MatmulDescCreate(&desc, CublasLt.ComputeF32, CublasLt.R32F), "cublasLtMatmulDescCreate");
        int opT = CublasLt.OpT, opN = CublasLt.OpN;
        _lt.Check(_lt.MatmulDescSetAttribute(desc, CublasLt.DescTransA, &opT, sizeof(int)), "cublasLtMatmulDescSetAttribute");
        _lt.Check(_lt.MatmulDescSetAttribute(desc, CublasLt.DescTransB, &opN, sizeof(int)), "cublasLtMatmulDescSetAttribute");
        _lt.Check(_lt.MatrixLayoutCreate(&la, type, (ulong)k, (ulong)n, k), "cublasLtMatrixLayoutCreate");
        _lt.Check(_lt.MatrixLayoutCreate(&lb, type, (ulong)k, (ulong)m, k), "cublasLtMatrixLayoutCreate");
        _lt.Check(_lt.MatrixLayoutCreate(&lc, CublasLt.R32F, (ulong)n, (ulong)m, ld), "cublasLtMatrixLayoutCreate");
        _lt.Check(_lt.MatmulPreferenceCreate(&pref), "cublasLtMatmulPreferenceCreate");
        try
        {
            ulong ws = WorkspaceBytes;
            _lt.Check(_lt.MatmulPreferenceSetAttribute(pref, CublasLt.PrefMaxWorkspaceBytes, &ws, sizeof(ulong)), "cublasLtMatmulPreferenceSetAttribute");
            CublasLt.HeuristicResult algo;
            int found;
            _lt.Check(_lt.MatmulAlgoGetHeuristic(_handle, desc, la, lb, lc, lc, pref, 1, &algo, &found), "cublasLtMatmulAlgoGetHeuristic");
            if (found == 0) throw new InvalidOperationException($"cuBLASLt has no algorithm for {m}x{n}x{k} {dtype}");
            p = new Plan { Desc = desc, A = la, B = lb, C = lc, Algo = algo };
        }
        finally { _lt.MatmulPreferenceDestroy(pref); }
        _plans[(m, n, k, ld, dtype)] = p;
        return p;
    }

    /// <summary>The device address of element <paramref name="offset"/> of a view (ILGPU's host-side form, not its kernel intrinsic).</summary>
    internal static IntPtr Address<T>(ArrayView<T> v, long offset) where T : unmanaged =>
        ArrayViewExtensions.LoadEffectiveAddressAsPtr(v.SubView(offset));

    public void Dispose()
    {
        foreach (var p in _plans.Values)
        {
            _lt.MatrixLayoutDestroy(p.A); _lt.MatrixLayoutDestroy(p.B); _lt.MatrixLayoutDestroy(p.C);
            _lt.MatmulDescDestroy(p.Desc);
        }
        _plans.Clear();
        _lt.Destroy(_handle);
        _workspace.Dispose();
    }
}
