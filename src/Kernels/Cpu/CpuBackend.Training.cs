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
        // Decoupled weight decay (AdamW) on the parameter before this step's update, as p -= lr (update + wd p).
        (Vector<float>, Vector<float>, Vector<float>) Adam(Vector<float> p, Vector<float> g, Vector<float> m1, Vector<float> m2)
        {
            m1 = b1 * m1 + c1 * g;
            m2 = b2 * m2 + c2 * g * g;
            return (decay * p - step * m1 / (Vector.SquareRoot(m2 * invC2) + eps), m1, m2);
        }
        ParallelRows((int)((count + block - 1) / block), block, b =>
        {
            long at = (long)b * block;
            int n = (int)Math.Min(block, count - at);
            Span<float> p = new(pp + at, n), g = new(gp + at, n), mm = new(mp + at, n), vv = new(vp + at, n);
            int i = 0;
            for (; i <= n - VectorLanes.Width; i += VectorLanes.Width)
            {
                var (pi, mi, vi) = Adam(VectorLanes.LoadFull(p, i), gs * VectorLanes.LoadFull(g, i), VectorLanes.LoadFull(mm, i), VectorLanes.LoadFull(vv, i));
                VectorLanes.StoreFull(p, i, pi); VectorLanes.StoreFull(mm, i, mi); VectorLanes.StoreFull(vv, i, vi);
            }
            if (i < n)
            {
                var (pi, mi, vi) = Adam(VectorLanes.Load(p, i), gs * VectorLanes.Load(g, i), VectorLanes.Load(mm, i), VectorLanes.Load(vv, i));
                VectorLanes.Store(p, i, pi); VectorLanes.Store(mm, i, mi); VectorLanes.Store(vv, i, vi);
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
