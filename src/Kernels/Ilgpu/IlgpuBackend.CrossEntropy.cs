using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <summary>Forward and backward fused: the nll of each row, then the row becomes its weighted gradient.</summary>
    public void CrossEntropy(Mat logits, DeviceBuffer<int> targets, DeviceBuffer<float> weights, DeviceBuffer<float> nll)
    {
        var zv = View(logits, nameof(logits));
        var tb = Buf(targets, nameof(targets));
        var wb = Buf(weights, nameof(weights));
        var nb = Buf(nll, nameof(nll));
        Require(tb.Length >= logits.Rows && wb.Length >= logits.Rows && nb.Length >= logits.Rows,
            $"CrossEntropy: {logits.Rows} rows but {tb.Length} targets, {wb.Length} weights, {nb.Length} nll entries");
        if (logits.Rows == 0) return;
        Require(logits.Cols > 0, "CrossEntropy: rows have no logits");
        var k = Kernel("CrossEntropy", a =>
            a.LoadStreamKernel<MatV, ArrayView<int>, ArrayView<float>, ArrayView<float>>(CrossEntropyKernel));
        k(new KernelConfig(logits.Rows, _reduceGroup), zv, tb.View, wb.View, nb.View);
    }

    /// <summary>
    /// One group per row (rows can be a 256k vocabulary wide): strided per-thread max and sum of
    /// exp(z - max), each reduced over the group in shared memory (so a float sum of ~n/group terms, then
    /// a tree), lse = max + log(sum); nll = lse - z[target]; then z = w (exp(z - lse) - onehot(target)) in
    /// place. A target outside the row gives nll = NaN and no one-hot term (never an out-of-range access).
    /// </summary>
    private static void CrossEntropyKernel(MatV z, ArrayView<int> targets, ArrayView<float> weights, ArrayView<float> nll)
    {
        var sh = SharedMemory.Allocate<float>(MaxReduceGroup);
        int row = Grid.IdxX;
        int n = z.Cols;
        int target = targets[row];
        bool validTarget = target >= 0 && target < n;

        float m = float.NegativeInfinity;
        for (int c = Group.IdxX; c < n; c += Group.DimX)
            m = XMath.Max(m, z.Data[z.Idx(row, c)]);
        m = GroupMax(m, sh);

        float sum = 0f;
        for (int c = Group.IdxX; c < n; c += Group.DimX)
            sum += XMath.Exp(z.Data[z.Idx(row, c)] - m);
        // Read before the barriers of the reduction: the target logit is overwritten below.
        float zt = validTarget ? z.Data[z.Idx(row, target)] : 0f;
        sum = GroupSum(sum, sh);
        float lse = m + XMath.Log(sum);
        if (Group.IdxX == 0) nll[row] = validTarget ? lse - zt : float.NaN;

        float w = weights[row];
        for (int c = Group.IdxX; c < n; c += Group.DimX)
        {
            long o = z.Idx(row, c);
            float g = w * XMath.Exp(z.Data[o] - lse);
            z.Data[o] = c == target ? g - w : g;
        }
    }
}
