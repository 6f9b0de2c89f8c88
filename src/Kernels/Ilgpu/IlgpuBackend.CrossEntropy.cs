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
        if (logits.Rows == 0) return;
        var k = Kernel("CrossEntropy", a =>
            a.LoadStreamKernel<MatV, ArrayView<int>, ArrayView<float>, ArrayView<float>>(CrossEntropyKernel));
        k(new KernelConfig(logits.Rows, _reduceGroup), zv, tb.View, wb.View, nb.View);
    }

    /// <summary>
    /// One group per row (rows can be a 256k vocabulary wide): strided per-thread max and sum of
    /// exp(z - max), each reduced over the group in shared memory (so a float sum of ~n/group terms, then
    /// a tree); nll = max - z[target] + log(sum); then z = w (exp(z - max) / sum - onehot(target)) in place.
    /// A target outside the row gives nll = NaN and no one-hot term (never an out-of-range access).
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

        // Compensated (Kahan) per-thread sums: a thread adds up to n / group terms (1000 for a 256k row on
        // CUDA, 16000 on the CPU simulator), whose plain float rounding would show in nll and the gradient.
        float sum = 0f, comp = 0f;
        for (int c = Group.IdxX; c < n; c += Group.DimX)
        {
            float yk = XMath.Exp(z.Data[z.Idx(row, c)] - m) - comp;
            float tk = sum + yk;
            comp = (tk - sum) - yk;
            sum = tk;
        }
        // Read before the barriers of the reduction: the target logit is overwritten below.
        float zt = validTarget ? z.Data[z.Idx(row, target)] : 0f;
        sum = GroupSum(sum, sh);
        // nll = lse - z[target] = (max - z[target]) + log(sum), and softmax = exp(z - max) / sum: never
        // forming lse itself keeps its rounding (an ulp of a logit of ~30 is 2e-6) out of both results.
        if (Group.IdxX == 0) nll[row] = validTarget ? (m - zt) + XMath.Log(sum) : float.NaN;

        float w = weights[row];
        float scale = w / sum;
        for (int c = Group.IdxX; c < n; c += Group.DimX)
        {
            long o = z.Idx(row, c);
            float g = scale * XMath.Exp(z.Data[o] - m);
            z.Data[o] = c == target ? g - w : g;
        }
    }
}
