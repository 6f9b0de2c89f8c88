using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace NativeTV.Kernels.Cpu;

/// <summary>
/// Flash attention on the BLAS (FlashAttention-2's algorithm): per (batch, head), blocks of queries x blocks of
/// keys, QK^T and PV as sgemm calls, an online softmax across key blocks. The probabilities are never stored:
/// the forward keeps the log-sum-exp per query and the backward recomputes each block's probabilities from it.
/// Each task holds one or two blocks of scores, so memory does not grow with T^2. Tasks run in a Parallel.For
/// with single-threaded sgemm (<see cref="OpenBlas.Serial"/>): the blocks are too small to split further.
/// </summary>
public sealed unsafe partial class CpuBackend
{
    // A 64 x 128 block of scores is 32 KB: two of them (the backward's P and dS) stay in a core's L2.
    private const int QueryBlock = 64, KeyBlock = 128;
    // A property of the shape, not of the thread count, so every machine sums the gradients in the same order.
    private const int OnePassMinPairs = 16;

    /// <summary>One task per (batch, head, query block): y accumulates P V over the visible key blocks, rescaled as the running max grows.</summary>
    public void Attention(Mat q, Mat k, Mat v, DeviceBuffer<int> mask, AttentionShape s, Mat y, DeviceBuffer<float> lse)
    {
        var a = new AttentionBlocks(q, k, v, default, mask, s);
        float* lp = P(lse);
        int T = s.SeqLen, hd = s.HeadDim, qBlocks = (T + QueryBlock - 1) / QueryBlock;
        using var serial = OpenBlas.Serial();
        ParallelRows(s.Batch * s.QHeads * qBlocks, (long)QueryBlock * T * hd, idx =>
        {
            int qb = idx % qBlocks, h = idx / qBlocks % s.QHeads, b = idx / qBlocks / s.QHeads;
            int t0 = qb * QueryBlock, nq = Math.Min(QueryBlock, T - t0);
            float* yb = RowPtr(y, b * T + t0) + h * hd, m = stackalloc float[nq], l = stackalloc float[nq];
            new Span<float>(m, nq).Fill(float.NegativeInfinity);
            new Span<float>(l, nq).Clear();
            for (int r = 0; r < nq; r++) new Span<float>(yb + (long)r * y.Ld, hd).Clear();
            var rented = ArrayPool<float>.Shared.Rent(QueryBlock * KeyBlock);
            fixed (float* sc = rented)
            {
                var (lo, hi) = a.KeysSeenBy(t0, nq);
                for (int j0 = lo; j0 < hi; j0 += KeyBlock)
                {
                    int nk = Math.Min(KeyBlock, hi - j0);
                    a.Scores(b, h, t0, nq, j0, nk, sc);
                    for (int r = 0; r < nq; r++)
                    {
                        var row = new Span<float>(sc + r * nk, nk);
                        float mNew = Math.Max(m[r], TensorPrimitives.Max<float>(row));
                        if (float.IsNegativeInfinity(mNew)) { row.Clear(); continue; } // nothing visible yet
                        float alpha = MathF.Exp(m[r] - mNew);
                        l[r] = l[r] * alpha + (float)VectorMath.ExpShifted(row, mNew); // masked scores are -inf: exactly 0
                        m[r] = mNew;
                        if (alpha != 1f)
                        {
                            var yr = new Span<float>(yb + (long)r * y.Ld, hd);
                            TensorPrimitives.Multiply(yr, alpha, yr);
                        }
                    }
                    OpenBlas.Gemm(nq, hd, nk, 1f, sc, nk, a.V(b, j0, h), v.Ld, false, 1f, yb, y.Ld);
                }
            }
            ArrayPool<float>.Shared.Return(rented);
            float* lr = lp + a.ScoreRow(b, h, t0);
            for (int r = 0; r < nq; r++)
            {
                if (l[r] == 0f) { lr[r] = float.PositiveInfinity; continue; } // no visible key: y stays 0
                var yr = new Span<float>(yb + (long)r * y.Ld, hd);
                TensorPrimitives.Multiply(yr, 1f / l[r], yr);
                lr[r] = m[r] + MathF.Log(l[r]);
            }
        }, serial.Outer);
    }

    /// <summary>
    /// With enough (batch, key/value head) pairs to keep the threads busy (<see cref="OnePassMinPairs"/>), one task per pair computes S, P, dP and dS
    /// once per block pair and accumulates dq, dk and dv (FlashAttention-2's 5 GEMMs), writing only rows it owns.
    /// Otherwise (long prompts at batch 1) two passes split the work finer, each still writing only its own rows:
    /// (1) per (batch, head, query block), dq = dS K; (2) per (batch, key/value head, key block), dv = P^T dy and
    /// dk = dS^T Q over the group's query heads. Both recompute S and dP (7 GEMMs per block pair), the price of
    /// needing neither atomics nor per-thread copies of dq. D = rowsum(dy y) goes to scratch first.
    /// </summary>
    public void AttentionBackward(Mat q, Mat k, Mat v, DeviceBuffer<int> mask, AttentionShape s, Mat y, DeviceBuffer<float> lse, Mat dy,
        DeviceBuffer<float> scratch, Mat dq, Mat dk, Mat dv)
    {
        var a = new AttentionBlocks(q, k, v, dy, mask, s);
        float* lp = P(lse), dp = P(scratch);
        int T = s.SeqLen, hd = s.HeadDim, qBlocks = (T + QueryBlock - 1) / QueryBlock, kBlocks = (T + KeyBlock - 1) / KeyBlock;
        using var serial = OpenBlas.Serial();

        // dq rows of (b, h, query block) cleared, and their D = rowsum(dy y).
        void StartQueryBlock(int b, int h, int t0, int nq)
        {
            float* d = dp + a.ScoreRow(b, h, t0);
            for (int r = 0; r < nq; r++)
            {
                d[r] = TensorPrimitives.Dot(new ReadOnlySpan<float>(a.Dy(b, t0 + r, h), hd), new ReadOnlySpan<float>(RowPtr(y, b * T + t0 + r) + h * hd, hd));
                new Span<float>(a.Dq(dq, b, t0 + r, h), hd).Clear();
            }
        }
        void ClearKeys(int b, int kvh, int j0, int nk)
        {
            for (int r = 0; r < nk; r++)
            {
                new Span<float>(RowPtr(dk, b * T + j0 + r) + kvh * hd, hd).Clear();
                new Span<float>(RowPtr(dv, b * T + j0 + r) + kvh * hd, hd).Clear();
            }
        }
        void AddKeyGradients(int b, int h, int t0, int nq, int j0, int nk, float* p, float* ds)
        {
            int kvh = h / s.Group;
            OpenBlas.GemmTransA(nk, hd, nq, p, nk, a.Dy(b, t0, h), dy.Ld, 1f, RowPtr(dv, b * T + j0) + kvh * hd, dv.Ld);
            OpenBlas.GemmTransA(nk, hd, nq, ds, nk, a.Q(b, t0, h), q.Ld, 1f, RowPtr(dk, b * T + j0) + kvh * hd, dk.Ld);
        }
        void AddQueryGradient(int b, int h, int t0, int nq, int j0, int nk, float* ds) =>
            OpenBlas.Gemm(nq, hd, nk, 1f, ds, nk, a.K(b, j0, h), k.Ld, false, 1f, a.Dq(dq, b, t0, h), dq.Ld);

        if (s.Batch * s.KvHeads >= OnePassMinPairs)
        {
            ParallelRows(s.Batch * s.KvHeads, (long)s.Group * T * T * hd, idx =>
            {
                int kvh = idx % s.KvHeads, b = idx / s.KvHeads;
                ClearKeys(b, kvh, 0, T);
                for (int h = kvh * s.Group; h < (kvh + 1) * s.Group; h++)
                    for (int t0 = 0; t0 < T; t0 += QueryBlock)
                    {
                        int nq = Math.Min(QueryBlock, T - t0);
                        StartQueryBlock(b, h, t0, nq);
                        a.ForEachScoreGradient(b, h, t0, nq, a.KeysSeenBy(t0, nq), lp, dp, KeyBlock, (j0, nk, p, ds) =>
                        {
                            AddQueryGradient(b, h, t0, nq, j0, nk, ds);
                            AddKeyGradients(b, h, t0, nq, j0, nk, p, ds);
                        });
                    }
            }, serial.Outer);
            return;
        }
        ParallelRows(s.Batch * s.QHeads * qBlocks, (long)QueryBlock * T * hd, idx =>
        {
            int qb = idx % qBlocks, h = idx / qBlocks % s.QHeads, b = idx / qBlocks / s.QHeads;
            int t0 = qb * QueryBlock, nq = Math.Min(QueryBlock, T - t0);
            StartQueryBlock(b, h, t0, nq);
            a.ForEachScoreGradient(b, h, t0, nq, a.KeysSeenBy(t0, nq), lp, dp, KeyBlock, (j0, nk, _, ds) => AddQueryGradient(b, h, t0, nq, j0, nk, ds));
        }, serial.Outer);
        ParallelRows(s.Batch * s.KvHeads * kBlocks, (long)s.Group * KeyBlock * T * hd, idx =>
        {
            int kb = idx % kBlocks, kvh = idx / kBlocks % s.KvHeads, b = idx / kBlocks / s.KvHeads;
            int j0 = kb * KeyBlock, nk = Math.Min(KeyBlock, T - j0);
            ClearKeys(b, kvh, j0, nk);
            var queries = a.QueriesSeeing(j0, nk);
            for (int h = kvh * s.Group; h < (kvh + 1) * s.Group; h++)
                for (int t0 = queries.Lo; t0 < queries.Hi; t0 += QueryBlock)
                {
                    int nq = Math.Min(QueryBlock, queries.Hi - t0);
                    a.ForEachScoreGradient(b, h, t0, nq, (j0, j0 + nk), lp, dp, nk, (_, _, p, ds) => AddKeyGradients(b, h, t0, nq, j0, nk, p, ds));
                }
        }, serial.Outer);
    }

    private delegate void ScoreGradientBlock(int j0, int nk, float* p, float* ds);

    /// <summary>The operands of one attention call, addressed by (batch, position, query head), and the block steps both directions share.</summary>
    private readonly struct AttentionBlocks(Mat q, Mat k, Mat v, Mat dy, DeviceBuffer<int> mask, AttentionShape s)
    {
        private readonly int* _mask = P(mask);

        public float* Q(int b, int t, int h) => RowPtr(q, b * s.SeqLen + t) + h * s.HeadDim;
        public float* K(int b, int j, int h) => RowPtr(k, b * s.SeqLen + j) + h / s.Group * s.HeadDim;
        public float* V(int b, int j, int h) => RowPtr(v, b * s.SeqLen + j) + h / s.Group * s.HeadDim;
        public float* Dy(int b, int t, int h) => RowPtr(dy, b * s.SeqLen + t) + h * s.HeadDim;
        public float* Dq(Mat dq, int b, int t, int h) => RowPtr(dq, b * s.SeqLen + t) + h * s.HeadDim;

        /// <summary>Index of query t's entry in lse and scratch ([Batch, QHeads, SeqLen]).</summary>
        public long ScoreRow(int b, int h, int t) => ((long)b * s.QHeads + h) * s.SeqLen + t;

        /// <summary>The keys [Lo, Hi) that some query of [t0, t0 + n) may see (causal, sliding window).</summary>
        public (int Lo, int Hi) KeysSeenBy(int t0, int n) => (s.SlidingWindow > 0 ? Math.Max(0, t0 - s.SlidingWindow + 1) : 0, t0 + n);

        /// <summary>The queries [Lo, Hi) that may see some key of [j0, j0 + n).</summary>
        public (int Lo, int Hi) QueriesSeeing(int j0, int n) => (j0, s.SlidingWindow > 0 ? Math.Min(s.SeqLen, j0 + n - 1 + s.SlidingWindow) : s.SeqLen);

        /// <summary>sc [nq, nk] = scale Q K^T for queries t0.. and keys j0.. of head h, -inf where the key is not visible.</summary>
        public void Scores(int b, int h, int t0, int nq, int j0, int nk, float* sc)
        {
            OpenBlas.Gemm(nq, nk, s.HeadDim, s.Scale, Q(b, t0, h), q.Ld, K(b, j0, h), k.Ld, true, 0f, sc, nk);
            int* mb = _mask + b * s.SeqLen;
            for (int r = 0; r < nq; r++)
            {
                int t = t0 + r;
                // Visible columns are [from, to] minus padded keys: causal and window bounds first, then the mask.
                int from = Math.Clamp((s.SlidingWindow > 0 ? t - s.SlidingWindow + 1 : 0) - j0, 0, nk), to = Math.Clamp(t - j0 + 1, from, nk);
                var row = new Span<float>(sc + r * nk, nk);
                row[..from].Fill(float.NegativeInfinity);
                row[to..].Fill(float.NegativeInfinity);
                for (int c = from; c < to; c++)
                    if (mb[j0 + c] == 0) row[c] = float.NegativeInfinity;
            }
        }

        /// <summary>
        /// For each block of at most <paramref name="step"/> keys in <paramref name="keys"/>: the probabilities P = exp(S - lse)
        /// of queries t0.. (0 where masked, and for a query that sees no key, whose lse is +inf) and the score gradients
        /// dS = scale P (dP - D) with dP = dy V^T and D from scratch, handed to <paramref name="use"/> as [nq, nk] blocks.
        /// </summary>
        public void ForEachScoreGradient(int b, int h, int t0, int nq, (int Lo, int Hi) keys, float* lse, float* delta, int step, ScoreGradientBlock use)
        {
            var rented = ArrayPool<float>.Shared.Rent(2 * nq * step);
            fixed (float* p = rented)
            {
                float* ds = p + nq * step, lr = lse + ScoreRow(b, h, t0), dr = delta + ScoreRow(b, h, t0);
                for (int j0 = keys.Lo; j0 < keys.Hi; j0 += step)
                {
                    int nk = Math.Min(step, keys.Hi - j0);
                    Scores(b, h, t0, nq, j0, nk, p);
                    OpenBlas.Gemm(nq, nk, s.HeadDim, 1f, Dy(b, t0, h), dy.Ld, V(b, j0, h), v.Ld, true, 0f, ds, nk);
                    for (int r = 0; r < nq; r++)
                    {
                        Span<float> pr = new(p + r * nk, nk), dsr = new(ds + r * nk, nk);
                        Vector<float> l = new(lr[r]), d = new(dr[r]), scale = new(s.Scale);
                        int i = 0;
                        for (; i <= nk - VectorLanes.Width; i += VectorLanes.Width)
                        {
                            var pv = VectorMath.Exp(VectorLanes.LoadFull(pr, i) - l);
                            VectorLanes.StoreFull(pr, i, pv);
                            VectorLanes.StoreFull(dsr, i, (VectorLanes.LoadFull(dsr, i) - d) * pv * scale);
                        }
                        if (i < nk)
                        {
                            var pv = VectorMath.Exp(VectorLanes.LoadPartial(pr, i) - l);
                            VectorLanes.StorePartial(pr, i, pv);
                            VectorLanes.StorePartial(dsr, i, (VectorLanes.LoadPartial(dsr, i) - d) * pv * scale);
                        }
                    }
                    use(j0, nk, p, ds);
                }
            }
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
