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
            float max = float.NegativeInfinity;
            foreach (var v in z) max = Math.Max(max, v);
            double sum = 0;
            foreach (var v in z) sum += Math.Exp(v - max);
            double lse = max + Math.Log(sum);
            loss[r] = (float)(lse - z[tg[r]]);
            for (int i = 0; i < z.Length; i++) z[i] = w[r] * (float)Math.Exp(z[i] - lse);
            z[tg[r]] -= w[r];
        });
    }
}
