using ILGPU;
using ILGPU.Runtime.Cuda;

namespace NativeTV.Kernels.Ilgpu;

/// <summary>
/// One warp's m16n8k16 MMA, D = A B + C, on the per-lane fragments of PTX's mma.sync.aligned.m16n8k16.row.col
/// (lane = 4 g + t): a0 = A[g][2t..2t+1], a1 = A[g+8][2t..], a2 = A[g][2t+8..], a3 = A[g+8][2t+8..];
/// b0 = B[2t..2t+1][g], b1 = B[2t+8..2t+9][g]; c0, c1 = C[g][2t], C[g][2t+1]; c2, c3 = C[g+8][2t], C[g+8][2t+1]
/// (pairs packed low element first). On CUDA it is the instruction; elsewhere (the simulator) the same
/// arithmetic with the A rows and B columns each lane needs gathered by warp shuffles, so a kernel body
/// that is right on the simulator hands the GPU the same fragments.
/// </summary>
public static class WarpMma
{
    public static void Mma<TOp>(ref float c0, ref float c1, ref float c2, ref float c3, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1)
        where TOp : unmanaged, IMmaOperand
    {
        if (CudaAsm.IsSupported) default(TOp).MmaPtx(ref c0, ref c1, ref c2, ref c3, a0, a1, a2, a3, b0, b1);
        else Software<TOp>(ref c0, ref c1, ref c2, ref c3, a0, a1, a2, a3, b0, b1);
    }

    /// <summary>
    /// In step s, lane (g, t) takes from lane 4g + s its A pairs (rows g and g+8, k = 2s.. and 2s+8..) and from
    /// lanes 4(2t) + s and 4(2t+1) + s their B pairs (columns 2t and 2t+1, the same k): after four steps it has
    /// summed all 16 k of its four outputs. Every lane shuffles in every step (warp-uniform); registers move as
    /// one struct per source lane (on the simulator each shuffle is a barrier of the warp's threads).
    /// </summary>
    public static void Software<TOp>(ref float c0, ref float c1, ref float c2, ref float c3, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1)
        where TOp : unmanaged, IMmaOperand
    {
        int lane = Warp.LaneIdx;
        int g = lane >> 2, t = lane & 3;
        var a = new AFragment { R0 = a0, R1 = a1, R2 = a2, R3 = a3 };
        var b = new BFragment { R0 = b0, R1 = b1 };
        for (int s = 0; s < 4; s++)
        {
            var ra = Warp.Shuffle(a, 4 * g + s);
            var rb0 = Warp.Shuffle(b, 8 * t + s);
            var rb1 = Warp.Shuffle(b, 8 * t + 4 + s);
            c0 += Dot2<TOp>(ra.R0, rb0.R0) + Dot2<TOp>(ra.R2, rb0.R1);
            c1 += Dot2<TOp>(ra.R0, rb1.R0) + Dot2<TOp>(ra.R2, rb1.R1);
            c2 += Dot2<TOp>(ra.R1, rb0.R0) + Dot2<TOp>(ra.R3, rb0.R1);
            c3 += Dot2<TOp>(ra.R1, rb1.R0) + Dot2<TOp>(ra.R3, rb1.R1);
        }
    }

    /// <summary>A lane's four A registers: rows g, g+8 at k 2t.., then rows g, g+8 at k 2t+8..</summary>
    private struct AFragment { public uint R0, R1, R2, R3; }

    /// <summary>A lane's two B registers: column g at k 2t.. and 2t+8..</summary>
    private struct BFragment { public uint R0, R1; }

    /// <summary>lo(x) lo(y) + hi(x) hi(y) of two packed pairs (each product exact in float32).</summary>
    private static float Dot2<TOp>(uint x, uint y) where TOp : unmanaged, IMmaOperand
    {
        var op = default(TOp);
        return op.Widen(x) * op.Widen(y) + op.Widen(x >> 16) * op.Widen(y >> 16);
    }
}
