using System.Numerics.Tensors;

namespace NativeTV.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    public DeviceWeight AsWeight(DeviceBuffer<float> data, long offset, int rows, int cols, string name)
    {
        if (offset < 0 || offset + (long)rows * cols > data.Length) throw new ArgumentOutOfRangeException(nameof(offset), $"weight view {name} [{rows},{cols}] at {offset} outside buffer of {data.Length}");
        return new CpuWeight(new HostTensor(name, (IntPtr)(P(data) + offset), DType.F32, rows == 1 ? [cols] : [rows, cols], data), trainable: true);
    }

    public void ColumnSums(Mat x, DeviceBuffer<float> sums, bool accumulate)
    {
        var s = new Span<float>(P(sums), x.Cols);
        if (!accumulate) s.Clear();
        for (int r = 0; r < x.Rows; r++) TensorPrimitives.Add(s, Row(x, r), s);
    }

    public void ColumnDots(Mat a, Mat b, DeviceBuffer<float> dots, bool accumulate)
    {
        var s = new Span<float>(P(dots), a.Cols);
        if (!accumulate) s.Clear();
        for (int r = 0; r < a.Rows; r++) TensorPrimitives.MultiplyAdd(Row(a, r), Row(b, r), s, s);
    }

    public void AdamStep(DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m, DeviceBuffer<float> v, long count, AdamArgs a)
    {
        float* p = P(param), g = P(grad), mm = P(m), vv = P(v);
        const int block = 4096;
        ParallelRows((int)((count + block - 1) / block), block, b =>
        {
            long end = Math.Min(count, (long)(b + 1) * block);
            for (long i = (long)b * block; i < end; i++)
            {
                float gi = a.GradScale * g[i];
                mm[i] = a.Beta1 * mm[i] + (1 - a.Beta1) * gi;
                vv[i] = a.Beta2 * vv[i] + (1 - a.Beta2) * gi * gi;
                p[i] -= a.Lr * (mm[i] / a.C1) / (MathF.Sqrt(vv[i] / a.C2) + a.Eps) + a.Lr * a.WeightDecay * p[i];
            }
        });
    }

    public void NormalizeRows(Mat x) => ParallelRows(x.Rows, x.Cols, r =>
    {
        var row = Row(x, r);
        double n = Math.Sqrt(TensorPrimitives.SumOfSquares(row));
        if (n > 0) TensorPrimitives.Multiply(row, (float)(1 / n), row);
    });
}
