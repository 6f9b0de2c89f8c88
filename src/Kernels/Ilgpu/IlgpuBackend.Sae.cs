using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

/// <summary>The sparse-autoencoder activations (forward and backward) and the gradient-pursuit ops.</summary>
public sealed partial class IlgpuBackend
{
    private const int KindRelu = 0, KindJumpRelu = 1, KindGated = 2;

    public void SaeActivation(Mat z, SaeActivationArgs args, Mat f)
    {
        var zv = View(z, nameof(z));
        var fv = View(f, nameof(f));
        int n = Count((long)z.Rows * z.Cols, "SaeActivation");
        if (n == 0) return;
        if (args.Kind == SaeActivationKind.TopK)
        {
            LaunchTopK(zv, args.K, zv, 0, fv);
            return;
        }
        var (kind, th, bg, rm, bm) = SaeParams(args, zv, "SaeActivation");
        var k = Kernel("SaeActivation", a => a.LoadAutoGroupedStreamKernel<Index1D, MatV, int,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, MatV>(SaeActivationKernel));
        k(n, zv, kind, th, bg, rm, bm, fv);
    }

    public void SaeActivationBackward(Mat z, SaeActivationArgs args, Mat df, Mat dz)
    {
        var zv = View(z, nameof(z));
        var dfv = View(df, nameof(df));
        var dzv = View(dz, nameof(dz));
        int n = Count((long)z.Rows * z.Cols, "SaeActivationBackward");
        if (n == 0) return;
        if (args.Kind == SaeActivationKind.TopK)
        {
            LaunchTopK(zv, args.K, dfv, 1, dzv);
            return;
        }
        var (kind, th, bg, rm, bm) = SaeParams(args, zv, "SaeActivationBackward");
        var k = Kernel("SaeActivationBackward", a => a.LoadAutoGroupedStreamKernel<Index1D, MatV, int,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, MatV, MatV>(SaeActivationBackwardKernel));
        k(n, zv, kind, th, bg, rm, bm, dfv, dzv);
    }

    /// <summary>
    /// The kind code and per-feature parameter views of an elementwise activation; a parameter the kind
    /// does not use is replaced by z's own storage (never read) so that null buffers can be passed.
    /// </summary>
    private (int Kind, ArrayView<float> Th, ArrayView<float> BGate, ArrayView<float> RMag, ArrayView<float> BMag)
        SaeParams(SaeActivationArgs args, MatV z, string op)
    {
        ArrayView<float> Param(DeviceBuffer<float>? b, string name) => Buf(b!, name).View;
        var none = z.Data;
        return args.Kind switch
        {
            SaeActivationKind.Relu => (KindRelu, none, none, none, none),
            SaeActivationKind.JumpRelu => (KindJumpRelu, Param(args.Threshold, "threshold"), none, none, none),
            SaeActivationKind.Gated => (KindGated, none, Param(args.BGate, "b_gate"), Param(args.RMag, "r_mag"), Param(args.BMag, "b_mag")),
            _ => throw new ArgumentOutOfRangeException(nameof(args), $"{op}: unknown activation {args.Kind}"),
        };
    }

    /// <summary>max(x, 0) as .NET's Math.Max (the CPU backend) computes it: NaN stays NaN, -0 becomes +0.</summary>
    private static float MaxZero(float x) => x <= 0f ? 0f : x;

    /// <summary>One thread per element: f = act(z) for Relu, JumpRelu and Gated (f may alias z).</summary>
    private static void SaeActivationKernel(Index1D idx, MatV z, int kind, ArrayView<float> th, ArrayView<float> bg,
        ArrayView<float> rm, ArrayView<float> bm, MatV f)
    {
        int r = idx / z.Cols;
        int c = idx - r * z.Cols;
        float v = z.Data[z.Idx(r, c)];
        float y;
        if (kind == KindRelu) y = MaxZero(v);
        else if (kind == KindJumpRelu) y = v > th[c] ? v : 0f;
        else y = v > 0f ? MaxZero(XMath.Exp(rm[c]) * (v - bg[c]) + bm[c]) : 0f;
        f.Data[f.Idx(r, c)] = y;
    }

    /// <summary>One thread per element: dz = df act'(z) (dz may alias z or df).</summary>
    private static void SaeActivationBackwardKernel(Index1D idx, MatV z, int kind, ArrayView<float> th, ArrayView<float> bg,
        ArrayView<float> rm, ArrayView<float> bm, MatV df, MatV dz)
    {
        int r = idx / z.Cols;
        int c = idx - r * z.Cols;
        float v = z.Data[z.Idx(r, c)];
        float d;
        if (kind == KindRelu) d = v > 0f ? 1f : 0f;
        else if (kind == KindJumpRelu) d = v > th[c] ? 1f : 0f;
        else
        {
            float e = XMath.Exp(rm[c]);
            d = v > 0f && e * (v - bg[c]) + bm[c] > 0f ? e : 0f;
        }
        float g = df.Data[df.Idx(r, c)];
        dz.Data[dz.Idx(r, c)] = g * d;
    }

    // ---------------------------------------------------------------- TopK

    /// <summary>backward = 0: y = TopK(z) (src unused); backward = 1: y = src * 1[kept] with src = df.</summary>
    private void LaunchTopK(MatV z, int kk, MatV src, int backward, MatV y)
    {
        var k = Kernel("SaeTopK", a => a.LoadStreamKernel<MatV, int, MatV, int, MatV>(SaeTopKKernel));
        k(new KernelConfig(z.Rows, _reduceGroup), z, kk, src, backward, y);
    }

    /// <summary>
    /// One group per row. Only positive entries can survive the ReLU, so only they are ranked, by value
    /// descending then index ascending. Thread t owns entries t, t + G, t + 2G, ... (G the group size) and
    /// keeps the best of them that ranks below the last pick; each of up to K rounds takes the group's best
    /// of those (a shared-memory argmax, lower index on ties). Only the owner of the pick needs a new best:
    /// the whole group rescans the owner's entries (thread t reads its entries t, t + G, ... of them, in
    /// parallel) and a second argmax hands the result to the owner. The K-th pick is then the threshold:
    /// an entry is kept when it ranks at or above it (all positive entries when fewer than K are positive).
    /// z is only read until the last round's reduction, whose barriers every thread has passed before any
    /// write, so y may alias z (and df, entry for entry).
    /// </summary>
    private static void SaeTopKKernel(MatV z, int k, MatV src, int backward, MatV y)
    {
        var sv = SharedMemory.Allocate<float>(MaxReduceGroup);
        var si = SharedMemory.Allocate<int>(MaxReduceGroup);
        int row = Grid.IdxX;
        int n = z.Cols;
        int t = Group.IdxX;
        int g = Group.DimX;

        float bv = -1f;
        int bi = int.MaxValue;
        for (int c = t; c < n; c += g)
        {
            float v = z.Data[z.Idx(row, c)];
            if (v > 0f && v > bv)
            {
                bv = v;
                bi = c;
            }
        }
        // Kept: v > 0 and (v > thV or (v == thV and j <= thI)); the default keeps every positive entry.
        float thV = -1f;
        int thI = int.MaxValue;
        for (int round = 0; round < k; round++)
        {
            int best = GroupArgMax(bv, bi, sv, si);
            if (best == int.MaxValue)
            {
                // Fewer than K positive entries: keep them all.
                thV = -1f;
                thI = int.MaxValue;
                break;
            }
            float lastV = z.Data[z.Idx(row, best)];
            thV = lastV;
            thI = best;
            if (round == k - 1) break;

            // The owner's next best: the best of its entries ranking below (lastV, best).
            int owner = best % g;
            float cv = -1f;
            int ci = int.MaxValue;
            for (long c = owner + (long)t * g; c < n; c += (long)g * g)
            {
                int j = (int)c;
                float v = z.Data[z.Idx(row, j)];
                if (v > 0f && (v < lastV || (v == lastV && j > best)) && v > cv)
                {
                    cv = v;
                    ci = j;
                }
            }
            int next = GroupArgMax(cv, ci, sv, si);
            if (t == owner)
            {
                bi = next;
                bv = next == int.MaxValue ? -1f : z.Data[z.Idx(row, next)];
            }
        }

        for (int c = t; c < n; c += g)
        {
            float v = z.Data[z.Idx(row, c)];
            bool kept = v > 0f && (v > thV || (v == thV && c <= thI));
            long o = y.Idx(row, c);
            if (backward != 0) y.Data[o] = src.Data[src.Idx(row, c)] * (kept ? 1f : 0f);
            else y.Data[o] = kept ? v : 0f;
        }
    }

    /// <summary>
    /// Argmax over the group of (value, index) pairs, ranked by value then lower index (values must not be
    /// NaN); same contract as <see cref="GroupSum"/>. All threads get the winning index.
    /// </summary>
    private static int GroupArgMax(float v, int i, ArrayView<float> sv, ArrayView<int> si)
    {
        int t = Group.IdxX;
        sv[t] = v;
        si[t] = i;
        Group.Barrier();
        for (int s = Group.DimX / 2; s > 0; s >>= 1)
        {
            if (t < s)
            {
                float ov = sv[t + s];
                int oi = si[t + s];
                float mv = sv[t];
                if (ov > mv || (ov == mv && oi < si[t]))
                {
                    sv[t] = ov;
                    si[t] = oi;
                }
            }
            Group.Barrier();
        }
        int r = si[0];
        Group.Barrier();
        return r;
    }

    // ---------------------------------------------------------------- gradient pursuit

    public void PursuitSelect(Mat c, Mat support, bool signed, DeviceBuffer<int> active, int stride, int slot)
    {
        var cv = View(c, nameof(c));
        var sv = View(support, nameof(support));
        var ab = Buf(active, nameof(active));
        if (c.Rows == 0) return;
        var k = Kernel("PursuitSelect", a => a.LoadStreamKernel<MatV, MatV, int, ArrayView<int>, int, int>(PursuitSelectKernel));
        k(new KernelConfig(c.Rows, _reduceGroup), cv, sv, signed ? 1 : 0, ab.View, stride, slot);
    }

    /// <summary>
    /// One group per row: j* = argmax of c (|c| when signed), lowest index on ties, as a sequential scan
    /// from entry 0 keeping strict improvements finds it (a NaN never wins, except at entry 0, where
    /// nothing can beat it); active[row * stride + slot] = j* if it was not yet in the support, else -1;
    /// support[j*] = 1; then c *= support. c is only written after the reduction.
    /// </summary>
    private static void PursuitSelectKernel(MatV c, MatV support, int signed, ArrayView<int> active, int stride, int slot)
    {
        var shv = SharedMemory.Allocate<float>(MaxReduceGroup);
        var shi = SharedMemory.Allocate<int>(MaxReduceGroup);
        int row = Grid.IdxX;
        int n = c.Cols;
        float bv = float.NegativeInfinity;
        int bi = int.MaxValue;
        for (int j = Group.IdxX; j < n; j += Group.DimX)
        {
            float v = c.Data[c.Idx(row, j)];
            if (signed != 0) v = XMath.Abs(v);
            if (float.IsNaN(v)) v = j == 0 ? float.PositiveInfinity : float.NegativeInfinity;
            if (bi == int.MaxValue || v > bv)
            {
                bv = v;
                bi = j;
            }
        }
        int best = GroupArgMax(bv, bi, shv, shi);
        for (int j = Group.IdxX; j < n; j += Group.DimX)
        {
            long so = support.Idx(row, j);
            float s;
            if (j == best)
            {
                active[(long)row * stride + slot] = support.Data[so] == 0f ? best : -1;
                support.Data[so] = 1f;
                s = 1f;
            }
            else s = support.Data[so];
            long o = c.Idx(row, j);
            c.Data[o] = c.Data[o] * s;
        }
    }

    public void SparseDecode(DeviceBuffer<int> active, int stride, int slots, Mat coeffs, DeviceWeight w, Mat y)
    {
        var ab = Buf(active, nameof(active));
        var cv = View(coeffs, nameof(coeffs));
        var yv = View(y, nameof(y));
        var ww = Weight(w, nameof(w));
        int n = Count((long)y.Rows * y.Cols, "SparseDecode");
        if (n == 0) return;
        switch (ww.DType)
        {
            case DType.F32: SparseDecodeT<F32Elem>(ab, stride, slots, cv, ww, yv, n); break;
            case DType.BF16: SparseDecodeT<BF16Elem>(ab, stride, slots, cv, ww, yv, n); break;
            case DType.F16: SparseDecodeT<F16Elem>(ab, stride, slots, cv, ww, yv, n); break;
        }
    }

    private void SparseDecodeT<TW>(IlgpuBuffer<int> active, int stride, int slots, MatV coeffs, IlgpuWeight w, MatV y, int n)
        where TW : unmanaged, IWeightElem
    {
        var k = Kernel("SparseDecode." + typeof(TW).Name, a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, int, int,
            MatV, ArrayView<TW>, MatV>(SparseDecodeKernel<TW>));
        k(n, active.View, stride, slots, coeffs, w.View<TW>(), y);
    }

    /// <summary>
    /// One thread per output element (r, c): y[r, c] = sum over the row's listed features j (slot order,
    /// -1 skipped) of coeffs[r, j] W[j, c]. Neighbouring threads share r, so the list and the coefficients
    /// are broadcast loads and the rows of W are read coalesced.
    /// </summary>
    private static void SparseDecodeKernel<TW>(Index1D idx, ArrayView<int> active, int stride, int slots, MatV coeffs, ArrayView<TW> w, MatV y)
        where TW : unmanaged, IWeightElem
    {
        int r = idx / y.Cols;
        int c = idx - r * y.Cols;
        long d = y.Cols;
        float acc = 0f;
        for (int s = 0; s < slots; s++)
        {
            int j = active[(long)r * stride + s];
            if (j < 0) continue;
            acc += coeffs.Data[coeffs.Idx(r, j)] * w[j * d + c].ToFloat();
        }
        y.Data[y.Idx(r, c)] = acc;
    }

    public void RowDots(Mat a, Mat b, DeviceBuffer<float> dots)
    {
        var av = View(a, nameof(a));
        var bv = View(b, nameof(b));
        var db = Buf(dots, nameof(dots));
        if (a.Rows == 0) return;
        var k = Kernel("RowDots", x => x.LoadStreamKernel<MatV, MatV, ArrayView<float>>(RowDotsKernel));
        k(new KernelConfig(a.Rows, _reduceGroup), av, bv, db.View);
    }

    /// <summary>One group per row: strided partial dot products, then a group sum.</summary>
    private static void RowDotsKernel(MatV a, MatV b, ArrayView<float> dots)
    {
        var sh = SharedMemory.Allocate<float>(MaxReduceGroup);
        int row = Grid.IdxX;
        float s = 0f;
        for (int c = Group.IdxX; c < a.Cols; c += Group.DimX)
            s += a.Data[a.Idx(row, c)] * b.Data[b.Idx(row, c)];
        s = GroupSum(s, sh);
        if (Group.IdxX == 0) dots[row] = s;
    }

    public void PursuitUpdate(Mat w, Mat g, DeviceBuffer<float> num, DeviceBuffer<float> den, bool nonNegative)
    {
        var wv = View(w, nameof(w));
        var gv = View(g, nameof(g));
        var nb = Buf(num, nameof(num));
        var db = Buf(den, nameof(den));
        int n = Count((long)w.Rows * w.Cols, "PursuitUpdate");
        if (n == 0) return;
        var k = Kernel("PursuitUpdate", a => a.LoadAutoGroupedStreamKernel<Index1D, MatV, MatV,
            ArrayView<float>, ArrayView<float>, int>(PursuitUpdateKernel));
        k(n, wv, gv, nb.View, db.View, nonNegative ? 1 : 0);
    }

    /// <summary>One thread per element: w += (num / den) g, no step where den = 0, then max(w, 0) if nonNegative.</summary>
    private static void PursuitUpdateKernel(Index1D idx, MatV w, MatV g, ArrayView<float> num, ArrayView<float> den, int nonNegative)
    {
        int r = idx / w.Cols;
        int c = idx - r * w.Cols;
        float d = den[r];
        if (d == 0f) return;
        float alpha = num[r] / d;
        long o = w.Idx(r, c);
        float v = w.Data[o] + alpha * g.Data[g.Idx(r, c)];
        w.Data[o] = nonNegative != 0 && v < 0f ? 0f : v;
    }
}
