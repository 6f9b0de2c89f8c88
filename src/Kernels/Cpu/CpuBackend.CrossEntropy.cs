using System.Numerics.Tensors;

namespace NativeTV.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>Forward and backward fused: the nll of each row, then the row becomes its weighted gradient.</summary>
    public void CrossEntropy(Mat logits, DeviceBuffer<int> targets, DeviceBuffer<float> weights, DeviceBuffer<float> nll)
    {
        int* tg = P(targets);
        float* w = P(weights), loss = P(nll);
        ParallelRows(logits.Rows, logits.Cols, r =>
        {
            var z = Row(logits, r);
            float target = z[tg[r]], max = TensorPrimitives.Max<float>(z);
            double lse = max + Math.Log(VectorMath.ExpShifted(z, max));
            loss[r] = (float)(lse - target);
            // z holds exp(z - max) now: the softmax is that times exp(max - lse).
            TensorPrimitives.Multiply(z, w[r] * (float)Math.Exp(max - lse), z);
            z[tg[r]] -= w[r];
        });
    }
}
