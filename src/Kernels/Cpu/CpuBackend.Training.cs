using System.Numerics;
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
        float* pp = P(param), gp = P(grad), mp = P(m), vp = P(v);
        const int block = 4096;
        Vector<float> b1 = new(a.Beta1), b2 = new(a.Beta2), c1 = new(1 - a.Beta1), c2 = new(1 - a.Beta2), gs = new(a.GradScale);
        Vector<float> step = new(a.Lr / a.C1), invC2 = new(1 / a.C2), eps = new(a.Eps), decay = new(1 - a.Lr * a.WeightDecay);
        ParallelRows((int)((count + block - 1) / block), block, b =>
        {
            long at = (long)b * block;
            int n = (int)Math.Min(block, count - at);
            Span<float> p = new(pp + at, n), g = new(gp + at, n), mm = new(mp + at, n), vv = new(vp + at, n);
            for (int i = 0; i < n; i += VectorLanes.Width)
            {
                var gi = gs * VectorLanes.Load(g, i);
                var mi = b1 * VectorLanes.Load(mm, i) + c1 * gi;
                var vi = b2 * VectorLanes.Load(vv, i) + c2 * gi * gi;
                VectorLanes.Store(mm, i, mi);
                VectorLanes.Store(vv, i, vi);
                // Decoupled weight decay (AdamW) on the parameter before this step's update, as the scalar form p -= lr (update + wd p).
                VectorLanes.Store(p, i, decay * VectorLanes.Load(p, i) - step * mi / (Vector.SquareRoot(vi * invC2) + eps));
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
