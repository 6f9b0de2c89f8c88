using ILGPU;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

/// <summary>
/// The tensor-core GEMM of bf16 precision: C (+)= op(A) op(B) as <see cref="GemmKernel{TB}"/> computes it, with
/// both operands rounded to 16 bits (<see cref="IMmaOperand"/>) as tiles load and float32 accumulation in
/// m16n8k16 MMAs (<see cref="WarpMma"/>). Same operands, transpose flags and edge handling as the f32 GEMM.
/// </summary>
public sealed partial class IlgpuBackend
{
    /// <summary>
    /// f16 MMAs where the weight is stored f16 (its bits used as they are), bf16 otherwise (bf16 weights as stored,
    /// f32 weights and activations rounded); the tiling of the device.
    /// </summary>
    private void TensorCoreGemm<TB>(ArrayView<float> a, ArrayView<TB> b, MatV c, GemmArgs g) where TB : unmanaged, IWeightElem
    {
        bool cuda = _acc.AcceleratorType == AcceleratorType.Cuda;
        if (typeof(TB) == typeof(F16Elem))
        {
            if (cuda) TensorCoreGemm<TB, F16Operand, GpuMmaTiling>(a, b, c, g);
            else TensorCoreGemm<TB, F16Operand, SimMmaTiling>(a, b, c, g);
        }
        else if (cuda) TensorCoreGemm<TB, Bf16Operand, GpuMmaTiling>(a, b, c, g);
        else TensorCoreGemm<TB, Bf16Operand, SimMmaTiling>(a, b, c, g);
    }

    /// <summary>One group of <see cref="MmaTilings.Threads{T}"/> threads per block tile of C, two shared stages of both tiles.</summary>
    private void TensorCoreGemm<TB, TOp, TTile>(ArrayView<float> a, ArrayView<TB> b, MatV c, GemmArgs g)
        where TB : unmanaged, IWeightElem where TOp : unmanaged, IMmaOperand where TTile : unmanaged, IMmaTiling
    {
        if (g.M == 0 || g.N == 0) return;
        var k = Kernel($"TensorCoreGemm.{typeof(TB).Name}.{typeof(TOp).Name}.{typeof(TTile).Name}", acc =>
            acc.LoadStreamKernel<ArrayView<float>, ArrayView<TB>, MatV, GemmArgs>(TensorCoreGemmKernel<TB, TOp, TTile>));
        k(MmaTilings.Launch<TTile>(g.M, g.N), a, b, c, g);
    }

    /// <summary>
    /// Shared memory holds per stage the A tile as [m][k pair] and op(B)^T as [n][k pair], each pair two 16-bit
    /// operands packed as an MMA register holds them, so fragments are single 32-bit reads. While the group
    /// computes on one stage it has already filled the other with the next DepthK slice (one barrier a slice).
    /// Warp w computes the fragments of rows (w mod WarpsM) FragsM 16.., columns (w / WarpsM) FragsN 8..
    /// </summary>
    /// <remarks>Public so a test can run the CUDA tiling on the simulator (<see cref="MmaTilings.Launch{T}"/>).</remarks>
    public static void TensorCoreGemmKernel<TB, TOp, TTile>(ArrayView<float> a, ArrayView<TB> b, MatV c, GemmArgs g)
        where TB : unmanaged, IWeightElem where TOp : unmanaged, IMmaOperand where TTile : unmanaged, IMmaTiling
    {
        var tiling = default(TTile);
        int fm = tiling.FragsM, fn = tiling.FragsN;
        int bm = MmaTilings.BlockM<TTile>(), bn = MmaTilings.BlockN<TTile>();
        const int ps = MmaTilings.PairStride;
        int stage = (bm + bn) * ps;
        var sh = SharedMemory.GetDynamic<uint>();
        int lane = Warp.LaneIdx, warp = Warp.WarpIdx;
        int gi = lane >> 2, ti = lane & 3;
        int rowW = (warp % tiling.WarpsM) * fm * 16, colW = (warp / tiling.WarpsM) * fn * 8;
        int m0 = Grid.IdxY * bm, n0 = Grid.IdxX * bn;
        // op(B)^T [N][K]: B(k, n) with the transpose flag flipped reads as element (n, k).
        var bt = new GemmOperand { Offset = g.B.Offset, Ld = g.B.Ld, Trans = 1 - g.B.Trans };

        var acc = LocalMemory.Allocate<float>(MmaTilings.MaxAccumulators);
        var af = LocalMemory.Allocate<uint>(MmaTilings.MaxAFragments);
        for (int i = 0; i < fm * fn * 4; i++) acc[i] = 0f;

        int slices = (g.K + MmaTilings.DepthK - 1) / MmaTilings.DepthK;
        LoadSlice<TB, TOp>(a, b, g, bt, m0, n0, bm, bn, 0, sh, 0);
        Group.Barrier();
        for (int s = 0; s < slices; s++)
        {
            int cur = (s & 1) * stage;
            if (s + 1 < slices) LoadSlice<TB, TOp>(a, b, g, bt, m0, n0, bm, bn, (s + 1) * MmaTilings.DepthK, sh, ((s + 1) & 1) * stage);
            for (int kp = 0; kp < MmaTilings.DepthK / 2; kp += 8) // k16 steps, in pairs
            {
                for (int fi = 0; fi < fm; fi++)
                {
                    int r = cur + (rowW + fi * 16 + gi) * ps + kp + ti;
                    af[fi * 4] = sh[r];
                    af[fi * 4 + 1] = sh[r + 8 * ps];
                    af[fi * 4 + 2] = sh[r + 4];
                    af[fi * 4 + 3] = sh[r + 8 * ps + 4];
                }
                for (int fj = 0; fj < fn; fj++)
                {
                    int q = cur + (bm + colW + fj * 8 + gi) * ps + kp + ti;
                    uint b0 = sh[q], b1 = sh[q + 4];
                    for (int fi = 0; fi < fm; fi++)
                    {
                        int o = (fi * fn + fj) * 4;
                        float c0 = acc[o], c1 = acc[o + 1], c2 = acc[o + 2], c3 = acc[o + 3];
                        WarpMma.Mma<TOp>(ref c0, ref c1, ref c2, ref c3, af[fi * 4], af[fi * 4 + 1], af[fi * 4 + 2], af[fi * 4 + 3], b0, b1);
                        acc[o] = c0; acc[o + 1] = c1; acc[o + 2] = c2; acc[o + 3] = c3;
                    }
                }
            }
            Group.Barrier();
        }

        for (int fi = 0; fi < fm; fi++)
            for (int fj = 0; fj < fn; fj++)
                for (int e = 0; e < 4; e++)
                {
                    int row = m0 + rowW + fi * 16 + gi + (e >> 1) * 8, col = n0 + colW + fj * 8 + 2 * ti + (e & 1);
                    if (row < g.M && col < g.N)
                    {
                        long o = c.Idx(row, col);
                        float v = acc[(fi * fn + fj) * 4 + e];
                        c.Data[o] = g.Accumulate != 0 ? c.Data[o] + v : v;
                    }
                }
    }

    /// <summary>Fills one shared stage with the A and op(B)^T slices at depth k0 (the B tile after A's bm rows).</summary>
    private static void LoadSlice<TB, TOp>(ArrayView<float> a, ArrayView<TB> b, GemmArgs g, GemmOperand bt,
        int m0, int n0, int bm, int bn, int k0, ArrayView<uint> sh, int offset)
        where TB : unmanaged, IWeightElem where TOp : unmanaged, IMmaOperand
    {
        LoadTile<F32Elem, TOp>(a.Cast<F32Elem>(), g.A, m0, g.M, bm, k0, g.K, sh, offset);
        LoadTile<TB, TOp>(b, bt, n0, g.N, bn, k0, g.K, sh, offset + bm * MmaTilings.PairStride);
    }

    /// <summary>
    /// rows x DepthK of a [R][K] operand from (r0, k0) into packed pairs, zero outside R x K. The group walks
    /// the stored row with neighbouring threads (coalesced): k pairs when rows are stored (Trans 0), rows otherwise.
    /// </summary>
    private static void LoadTile<TE, TOp>(ArrayView<TE> v, GemmOperand op, int r0, int rowsTotal, int rows, int k0, int kTotal,
        ArrayView<uint> sh, int offset)
        where TE : unmanaged, IWeightElem where TOp : unmanaged, IMmaOperand
    {
        const int pairs = MmaTilings.DepthK / 2;
        var fmt = default(TOp);
        for (int i = Group.IdxX; i < rows * pairs; i += Group.DimX)
        {
            int r = op.Trans == 0 ? i / pairs : i % rows;
            int p = op.Trans == 0 ? i % pairs : i / rows;
            int row = r0 + r, k = k0 + 2 * p;
            bool inRow = row < rowsTotal;
            uint lo = inRow && k < kTotal ? fmt.Round(v[Element(op, row, k)].ToFloat()) : 0u;
            uint hi = inRow && k + 1 < kTotal ? fmt.Round(v[Element(op, row, k + 1)].ToFloat()) : 0u;
            sh[offset + r * MmaTilings.PairStride + p] = lo | (hi << 16);
        }
    }
}
