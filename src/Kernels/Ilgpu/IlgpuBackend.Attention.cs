using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

/// <summary>
/// Flash attention as tiled kernels: each group owns a tile of rows (queries, or keys in the backward's dk/dv
/// kernel), one thread per row, and walks the tiles of the other side through one shared-memory tile of
/// <see cref="AttnArgs.Tile"/> rows of head_dim floats, keeping its running softmax state in registers and its
/// output row in global memory (written by that thread only). No [T, T] buffer exists; no atomics are needed.
/// Simple and correct first: a GPU session tunes it (tensor cores, rows per thread, q in shared memory).
/// </summary>
public sealed partial class IlgpuBackend
{
    /// <summary>Threads (rows) per group: with a tile of at most 32 KB, the group's 32 score rows of Tile floats keep it under CUDA's 48 KB of shared memory.</summary>
    private int AttentionGroup => Math.Min(32, _acc.MaxNumThreadsPerGroup);

    /// <summary>One group per (batch, head, query tile): online softmax over the key tiles, the K tile then the V tile in shared memory.</summary>
    public void Attention(Mat q, Mat k, Mat v, DeviceBuffer<int> mask, AttentionShape shape, Mat y, DeviceBuffer<float> lse)
    {
        var (qv, kv, vv, yv) = (View(q, nameof(q)), View(k, nameof(k)), View(v, nameof(v)), View(y, nameof(y)));
        var (mb, lb) = (Buf(mask, nameof(mask)), Buf(lse, nameof(lse)));
        if (shape.Batch == 0 || shape.SeqLen == 0) return;
        var forward = Kernel("Attention.Forward", acc =>
            acc.LoadStreamKernel<MatV, MatV, MatV, ArrayView<int>, AttnArgs, MatV, ArrayView<float>>(AttentionForwardKernel));
        forward(TileConfig(shape, shape.QHeads), qv, kv, vv, mb.View, Args(shape), yv, lb.View);
    }

    /// <summary>One group of <see cref="AttentionGroup"/> rows per (batch, head, row tile), with a Tile x head_dim tile and each row's Tile scores in dynamic shared memory.</summary>
    private KernelConfig TileConfig(AttentionShape s, int heads)
    {
        int g = AttentionGroup, tile = Args(s).Tile;
        long groups = (long)s.Batch * heads * ((s.SeqLen + g - 1) / g);
        return new KernelConfig(new Index1D(Count(groups, "Attention groups")), new Index1D(g),
            SharedMemoryConfig.RequestDynamic<float>(tile * s.HeadDim + g * tile));
    }

    /// <summary>The kernels' scalar arguments of a shape (checked by <see cref="CheckedBackend"/>).</summary>
    private static AttnArgs Args(AttentionShape s) => new()
    {
        Seq = s.SeqLen, QHeads = s.QHeads, Group = s.Group, HeadDim = s.HeadDim, Scale = s.Scale, Window = s.SlidingWindow,
        Tile = Math.Clamp(8192 / s.HeadDim, 1, 32), // 32 rows, or a 32 KB tile at head_dim > 256
    };

    /// <summary>Scalar attention arguments as one kernel parameter; Tile is the rows of the shared tile the groups walk.</summary>
    public struct AttnArgs
    {
        public int Seq, QHeads, Group, HeadDim, Window, Tile;
        public float Scale;
    }

    /// <summary>Key j is visible to query t of batch b: causal, not padded, inside the sliding window.</summary>
    private static bool Visible(ArrayView<int> mask, int b, int t, int j, int seq, int window)
        => j <= t && mask[(long)b * seq + j] != 0 && (window == 0 || t - j < window);

    /// <summary>Rows [row0, row0 + n) of x at columns [col, col + head_dim) into the shared tile, all threads of the group helping.</summary>
    private static void LoadTile(MatV x, int row0, int n, int col, int hd, ArrayView<float> tile)
    {
        for (int e = Group.IdxX; e < n * hd; e += Group.DimX)
            tile[e] = x.Data[x.Idx(row0 + e / hd, col + e % hd)];
    }

    /// <summary>a (head_dim floats of a matrix row, from index ai) dot row c of the shared tile.</summary>
    private static float DotTile(MatV a, long ai, ArrayView<float> tile, int c, int hd)
    {
        float s = 0f;
        for (int d = 0; d < hd; d++) s += a.Data[ai + d] * tile[c * hd + d];
        return s;
    }

    /// <summary>x[xi + d] += alpha sum_c w[c] tile[c, d] for d &lt; head_dim, after scaling x by beta: this thread's row times the tile.</summary>
    private static void AccumulateTile(MatV x, long xi, float beta, float alpha, ArrayView<float> w, int n, ArrayView<float> tile, int hd)
    {
        for (int d = 0; d < hd; d++)
        {
            float acc = 0f;
            for (int c = 0; c < n; c++) acc += w[c] * tile[c * hd + d];
            x.Data[xi + d] = beta * x.Data[xi + d] + alpha * acc;
        }
    }

    /// <summary>Group (batch, head, query tile): the row's thread runs the online softmax over the visible key tiles, then y /= l and lse = m + log l.</summary>
    private static void AttentionForwardKernel(MatV q, MatV k, MatV v, ArrayView<int> mask, AttnArgs a, MatV y, ArrayView<float> lse)
    {
        var (b, h, t0) = GroupTile(a, a.QHeads);
        int hd = a.HeadDim, seq = a.Seq, t = t0 + Group.IdxX, kvCol = h / a.Group * hd;
        var tile = SharedMemory.GetDynamic<float>().SubView(0, a.Tile * hd);
        var p = SharedMemory.GetDynamic<float>().SubView(a.Tile * hd + Group.IdxX * a.Tile, a.Tile);
        bool row = t < seq;
        long qi = row ? q.Idx(b * seq + t, h * hd) : 0, yi = row ? y.Idx(b * seq + t, h * hd) : 0;
        if (row) for (int d = 0; d < hd; d++) y.Data[yi + d] = 0f;
        float m = float.NegativeInfinity, l = 0f;
        int hi = XMath.Min(seq, t0 + Group.DimX);
        for (int j0 = KeyStart(t0, a.Window); j0 < hi; j0 += a.Tile)
        {
            int n = XMath.Min(a.Tile, hi - j0);
            LoadTile(k, b * seq + j0, n, kvCol, hd, tile);
            Group.Barrier();
            float tileMax = float.NegativeInfinity;
            for (int c = 0; c < n; c++)
            {
                float s = row && Visible(mask, b, t, j0 + c, seq, a.Window) ? a.Scale * DotTile(q, qi, tile, c, hd) : float.NegativeInfinity;
                p[c] = s;
                tileMax = XMath.Max(tileMax, s);
            }
            Group.Barrier();
            LoadTile(v, b * seq + j0, n, kvCol, hd, tile);
            Group.Barrier();
            float mNew = XMath.Max(m, tileMax);
            if (mNew > float.NegativeInfinity)
            {
                float alpha = XMath.Exp(m - mNew), sum = 0f;
                for (int c = 0; c < n; c++)
                {
                    p[c] = XMath.Exp(p[c] - mNew);
                    sum += p[c];
                }
                l = l * alpha + sum;
                m = mNew;
                AccumulateTile(y, yi, alpha, 1f, p, n, tile, hd);
            }
            Group.Barrier();
        }
        if (!row) return;
        long li = ((long)b * a.QHeads + h) * seq + t;
        if (l == 0f) { lse[li] = float.PositiveInfinity; return; } // no visible key: y stays 0
        for (int d = 0; d < hd; d++) y.Data[yi + d] /= l;
        lse[li] = m + XMath.Log(l);
    }

    /// <summary>(batch, head, first row) of this group's tile, groups ordered batch, head, tile.</summary>
    private static (int B, int H, int Row0) GroupTile(AttnArgs a, int heads)
    {
        int tiles = (a.Seq + Group.DimX - 1) / Group.DimX;
        int g = Grid.IdxX;
        return (g / tiles / heads, g / tiles % heads, g % tiles * Group.DimX);
    }

    /// <summary>The first key any query from t0 on may see (sliding window).</summary>
    private static int KeyStart(int t0, int window) => window > 0 && t0 - window + 1 > 0 ? t0 - window + 1 : 0;

    // ---------------------------------------------------------------- backward

    /// <summary>
    /// Three kernels: D = rowsum(dy y) into scratch (one thread per query and head); dq (one group per (batch,
    /// head, query tile), each thread one query over the visible key tiles); dk and dv (one group per (batch,
    /// key/value head, key tile), each thread one key over the group's heads and the query tiles that see it).
    /// Both recompute the probabilities exp(scale q.k - lse) and dP = dy . v.
    /// </summary>
    public void AttentionBackward(Mat q, Mat k, Mat v, DeviceBuffer<int> mask, AttentionShape shape, Mat y, DeviceBuffer<float> lse, Mat dy,
        DeviceBuffer<float> scratch, Mat dq, Mat dk, Mat dv)
    {
        var (qv, kv, vv, yv, dyv) = (View(q, nameof(q)), View(k, nameof(k)), View(v, nameof(v)), View(y, nameof(y)), View(dy, nameof(dy)));
        var (dqv, dkv, dvv) = (View(dq, nameof(dq)), View(dk, nameof(dk)), View(dv, nameof(dv)));
        var (mb, lb, sb) = (Buf(mask, nameof(mask)), Buf(lse, nameof(lse)), Buf(scratch, nameof(scratch)));
        if (shape.Batch == 0 || shape.SeqLen == 0) return;
        var a = Args(shape);
        var delta = Kernel("AttentionBackward.Delta", acc =>
            acc.LoadAutoGroupedStreamKernel<Index1D, MatV, MatV, AttnArgs, ArrayView<float>>(AttentionDeltaKernel));
        delta(Count(shape.ScoreRows, "AttentionBackward D"), yv, dyv, a, sb.View);
        var dQ = Kernel("AttentionBackward.dQ", acc =>
            acc.LoadStreamKernel<MatV, MatV, MatV, MatV, ArrayView<int>, AttnArgs, ArrayView<float>, ArrayView<float>, MatV>(AttentionDQKernel));
        dQ(TileConfig(shape, shape.QHeads), qv, kv, vv, dyv, mb.View, a, lb.View, sb.View, dqv);
        var dKV = Kernel("AttentionBackward.dKV", acc =>
            acc.LoadStreamKernel<MatV, MatV, MatV, MatV, ArrayView<int>, AttnArgs, ArrayView<float>, ArrayView<float>, MatV, MatV>(AttentionDKVKernel));
        dKV(TileConfig(shape, shape.KvHeads), qv, kv, vv, dyv, mb.View, a, lb.View, sb.View, dkv, dvv);
    }

    /// <summary>One thread per (batch, head, query), in lse order: D = dy . y over the head's columns.</summary>
    private static void AttentionDeltaKernel(Index1D idx, MatV y, MatV dy, AttnArgs a, ArrayView<float> delta)
    {
        int t = idx % a.Seq, h = idx / a.Seq % a.QHeads, b = idx / a.Seq / a.QHeads;
        long yi = y.Idx(b * a.Seq + t, h * a.HeadDim), di = dy.Idx(b * a.Seq + t, h * a.HeadDim);
        float s = 0f;
        for (int d = 0; d < a.HeadDim; d++) s += y.Data[yi + d] * dy.Data[di + d];
        delta[idx] = s;
    }

    /// <summary>
    /// Group (batch, head, query tile), thread = query t: per key tile, P = exp(scale q.k - lse) from the K tile,
    /// dS = P (dy . v - D) from the V tile, then dq += scale dS K from the K tile again.
    /// </summary>
    private static void AttentionDQKernel(MatV q, MatV k, MatV v, MatV dy, ArrayView<int> mask, AttnArgs a, ArrayView<float> lse,
        ArrayView<float> delta, MatV dq)
    {
        var (b, h, t0) = GroupTile(a, a.QHeads);
        int hd = a.HeadDim, seq = a.Seq, t = t0 + Group.IdxX, kvCol = h / a.Group * hd;
        var tile = SharedMemory.GetDynamic<float>().SubView(0, a.Tile * hd);
        var ds = SharedMemory.GetDynamic<float>().SubView(a.Tile * hd + Group.IdxX * a.Tile, a.Tile);
        bool row = t < seq;
        long r = row ? ((long)b * a.QHeads + h) * seq + t : 0;
        long qi = row ? q.Idx(b * seq + t, h * hd) : 0, di = row ? dy.Idx(b * seq + t, h * hd) : 0, dqi = row ? dq.Idx(b * seq + t, h * hd) : 0;
        float rowLse = row ? lse[r] : 0f, rowD = row ? delta[r] : 0f;
        if (row) for (int d = 0; d < hd; d++) dq.Data[dqi + d] = 0f;
        int hi = XMath.Min(seq, t0 + Group.DimX);
        for (int j0 = KeyStart(t0, a.Window); j0 < hi; j0 += a.Tile)
        {
            int n = XMath.Min(a.Tile, hi - j0);
            LoadTile(k, b * seq + j0, n, kvCol, hd, tile);
            Group.Barrier();
            for (int c = 0; c < n; c++)
                ds[c] = row && Visible(mask, b, t, j0 + c, seq, a.Window) ? XMath.Exp(a.Scale * DotTile(q, qi, tile, c, hd) - rowLse) : 0f;
            Group.Barrier();
            LoadTile(v, b * seq + j0, n, kvCol, hd, tile);
            Group.Barrier();
            for (int c = 0; c < n; c++)
                if (ds[c] != 0f) ds[c] *= DotTile(dy, di, tile, c, hd) - rowD;
            Group.Barrier();
            LoadTile(k, b * seq + j0, n, kvCol, hd, tile);
            Group.Barrier();
            if (row) AccumulateTile(dq, dqi, 1f, a.Scale, ds, n, tile, hd);
            Group.Barrier();
        }
    }

    /// <summary>
    /// Group (batch, key/value head, key tile), thread = key j: over the group's query heads and the query tiles
    /// that can see the tile, P = exp(scale q.k - lse) from the Q tile, dv += P dy and dS = P (dy . v - D) from the
    /// dy tile, then dk += scale dS Q from the Q tile again.
    /// </summary>
    private static void AttentionDKVKernel(MatV q, MatV k, MatV v, MatV dy, ArrayView<int> mask, AttnArgs a, ArrayView<float> lse,
        ArrayView<float> delta, MatV dk, MatV dv)
    {
        int kvHeads = a.QHeads / a.Group;
        var (b, kvh, j0) = GroupTile(a, kvHeads);
        int hd = a.HeadDim, seq = a.Seq, j = j0 + Group.IdxX, kvCol = kvh * hd;
        var tile = SharedMemory.GetDynamic<float>().SubView(0, a.Tile * hd);
        var ps = SharedMemory.GetDynamic<float>().SubView(a.Tile * hd + Group.IdxX * a.Tile, a.Tile);
        bool row = j < seq;
        long ki = row ? k.Idx(b * seq + j, kvCol) : 0, vi = row ? v.Idx(b * seq + j, kvCol) : 0;
        long dki = row ? dk.Idx(b * seq + j, kvCol) : 0, dvi = row ? dv.Idx(b * seq + j, kvCol) : 0;
        if (row) for (int d = 0; d < hd; d++) { dk.Data[dki + d] = 0f; dv.Data[dvi + d] = 0f; }
        int jLast = XMath.Min(seq, j0 + Group.DimX) - 1;
        int hi = a.Window > 0 ? XMath.Min(seq, jLast + a.Window) : seq;
        for (int h = kvh * a.Group; h < (kvh + 1) * a.Group; h++)
            for (int t0 = j0; t0 < hi; t0 += a.Tile)
            {
                int n = XMath.Min(a.Tile, hi - t0);
                long r0 = ((long)b * a.QHeads + h) * seq + t0;
                LoadTile(q, b * seq + t0, n, h * hd, hd, tile);
                Group.Barrier();
                for (int c = 0; c < n; c++)
                    ps[c] = row && Visible(mask, b, t0 + c, j, seq, a.Window) ? XMath.Exp(a.Scale * DotTile(k, ki, tile, c, hd) - lse[r0 + c]) : 0f;
                Group.Barrier();
                LoadTile(dy, b * seq + t0, n, h * hd, hd, tile);
                Group.Barrier();
                if (row) AccumulateTile(dv, dvi, 1f, 1f, ps, n, tile, hd);
                for (int c = 0; c < n; c++)
                    if (ps[c] != 0f) ps[c] *= DotTile(v, vi, tile, c, hd) - delta[r0 + c];
                Group.Barrier();
                LoadTile(q, b * seq + t0, n, h * hd, hd, tile);
                Group.Barrier();
                if (row) AccumulateTile(dk, dki, 1f, a.Scale, ps, n, tile, hd);
                Group.Barrier();
            }
    }
}
