using ILGPU;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

/// <summary>
/// A GEMM operand: element (i, j) of the logical matrix is at Offset + i * Ld + j in storage, or at
/// Offset + j * Ld + i when Trans is 1 (the matrix is stored transposed).
/// </summary>
public struct GemmOperand
{
    public long Offset;
    public int Ld;
    public int Trans;
}

/// <summary>The sizes of C [M, N] = A [M, K] B [K, N], the operands' layouts, and whether C accumulates.</summary>
public struct GemmArgs
{
    public int M, N, K;
    public GemmOperand A, B;
    public int Accumulate;
}

/// <summary>
/// The one GEMM of the ILGPU backend: C (+)= op(A) op(B), with A float32 and B either float32 or a stored
/// weight (F32/BF16/F16, widened on load). MatMul, its input gradient and its weight gradient are this
/// kernel with different transpose flags; in bf16 precision it is the tensor-core GEMM (<see cref="TensorCoreGemm{TB}"/>).
/// </summary>
public sealed partial class IlgpuBackend
{
    /// <summary>C (+)= op(A) op(B) with B a stored weight, dispatched on its dtype.</summary>
    private void Gemm(ArrayView<float> a, IlgpuWeight b, MatV c, GemmArgs g)
    {
        switch (b.DType)
        {
            case DType.F32: Gemm(a, b.View<F32Elem>(), c, g); break;
            case DType.BF16: Gemm(a, b.View<BF16Elem>(), c, g); break;
            case DType.F16: Gemm(a, b.View<F16Elem>(), c, g); break;
            default: throw new BackendContractException($"weight '{b.Name}' has unsupported dtype {b.DType}");
        }
    }

    /// <summary>
    /// Launches one group of Tile x Tile threads per Tile x Tile tile of C, with two padded Tile x (Tile + 1)
    /// tiles (of A and of B) in dynamic shared memory.
    /// </summary>
    private void Gemm<TB>(ArrayView<float> a, ArrayView<TB> b, MatV c, GemmArgs g) where TB : unmanaged, IWeightElem
    {
        if (g.M == 0 || g.N == 0) return;
        if (Precision == Precision.BF16) { TensorCoreGemm(a, b, c, g); return; }
        var k = Kernel("Gemm." + typeof(TB).Name, acc =>
            acc.LoadStreamKernel<ArrayView<float>, ArrayView<TB>, MatV, GemmArgs>(GemmKernel<TB>));
        int t = _tile;
        var grid = new Index2D((g.N + t - 1) / t, (g.M + t - 1) / t);
        k(new KernelConfig(grid, new Index2D(t, t), SharedMemoryConfig.RequestDynamic<float>(2 * t * (t + 1))), a, b, c, g);
    }

    /// <summary>
    /// Group (T, T) computes the T x T tile of C at rows Grid.IdxY*T.., columns Grid.IdxX*T.., looping over K
    /// in steps of T. Shared memory holds the A tile as [m][k] and the B tile as [n][k], rows padded to T + 1
    /// (no bank conflicts); each loader picks which of (tx, ty) walks the stored row so that neighbouring
    /// threads read neighbouring addresses (coalesced) whatever the transpose flag. Out-of-range loads are zero.
    /// </summary>
    private static void GemmKernel<TB>(ArrayView<float> a, ArrayView<TB> b, MatV c, GemmArgs g) where TB : unmanaged, IWeightElem
    {
        var sh = SharedMemory.GetDynamic<float>();
        int t = Group.DimX;
        int s = t + 1;
        int bOff = t * s;
        int tx = Group.IdxX, ty = Group.IdxY;
        int m0 = Grid.IdxY * t, n0 = Grid.IdxX * t;
        // A [m][k]: stored row-major the row is k (tx walks k); transposed the stored row is m (tx walks m).
        int am = g.A.Trans == 0 ? ty : tx, ak = g.A.Trans == 0 ? tx : ty;
        // B [n][k]: B(k, n) stored transposed (as W [N, K]) has k along the stored row; otherwise n.
        int bn = g.B.Trans != 0 ? ty : tx, bk = g.B.Trans != 0 ? tx : ty;
        float acc = 0f;
        for (int k0 = 0; k0 < g.K; k0 += t)
        {
            int m = m0 + am, ka = k0 + ak;
            sh[am * s + ak] = m < g.M && ka < g.K ? a[Element(g.A, m, ka)] : 0f;
            int n = n0 + bn, kb = k0 + bk;
            sh[bOff + bn * s + bk] = n < g.N && kb < g.K ? b[Element(g.B, kb, n)].ToFloat() : 0f;
            Group.Barrier();
            for (int kk = 0; kk < t; kk++)
                acc += sh[ty * s + kk] * sh[bOff + tx * s + kk];
            Group.Barrier();
        }
        int row = m0 + ty, col = n0 + tx;
        if (row < g.M && col < g.N)
        {
            long o = c.Idx(row, col);
            c.Data[o] = g.Accumulate != 0 ? c.Data[o] + acc : acc;
        }
    }

    /// <summary>Storage index of logical element (i, j) of an operand.</summary>
    private static long Element(GemmOperand op, int i, int j) =>
        op.Trans == 0 ? op.Offset + (long)i * op.Ld + j : op.Offset + (long)j * op.Ld + i;
}
