using System.Numerics;
using System.Runtime.CompilerServices;
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
        var k = new AdamVectors(a);
        ParallelRows((int)((count + block - 1) / block), block, b =>
        {
            long at = (long)b * block;
            int n = (int)Math.Min(block, count - at);
            Span<float> p = new(pp + at, n), g = new(gp + at, n), mm = new(mp + at, n), vv = new(vp + at, n);
            int i = 0;
            for (; i <= n - VectorLanes.Width; i += VectorLanes.Width)
            {
                var (pi, mi, vi) = k.Step(VectorLanes.LoadFull(p, i), VectorLanes.LoadFull(g, i), VectorLanes.LoadFull(mm, i), VectorLanes.LoadFull(vv, i));
                VectorLanes.StoreFull(p, i, pi); VectorLanes.StoreFull(mm, i, mi); VectorLanes.StoreFull(vv, i, vi);
            }
            if (i < n)
            {
                var (pi, mi, vi) = k.Step(VectorLanes.LoadPartial(p, i), VectorLanes.LoadPartial(g, i), VectorLanes.LoadPartial(mm, i), VectorLanes.LoadPartial(vv, i));
                VectorLanes.StorePartial(p, i, pi); VectorLanes.StorePartial(mm, i, mi); VectorLanes.StorePartial(vv, i, vi);
            }
        });
    }

    /// <summary>AdamArgs broadcast to vectors, and one step of AdamW on a vector of parameters.</summary>
    private readonly struct AdamVectors(AdamArgs a)
    {
        private readonly Vector<float> _b1 = new(a.Beta1), _b2 = new(a.Beta2), _c1 = new(1 - a.Beta1), _c2 = new(1 - a.Beta2), _scale = new(a.GradScale);
        private readonly Vector<float> _step = new(a.Lr / a.C1), _invC2 = new(1 / a.C2), _eps = new(a.Eps), _decay = new(1 - a.Lr * a.WeightDecay);

        /// <summary>(p, m, v) after the step. Decoupled weight decay on p before the update, as p -= lr (update + wd p).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (Vector<float>, Vector<float>, Vector<float>) Step(Vector<float> p, Vector<float> g, Vector<float> m, Vector<float> v)
        {
            g *= _scale;
            m = _b1 * m + _c1 * g;
            v = _b2 * v + _c2 * g * g;
            return (_decay * p - _step * m / (Vector.SquareRoot(v * _invC2) + _eps), m, v);
        }
    }

    public void NormalizeRows(Mat x) => ParallelRows(x.Rows, x.Cols, r =>
    {
        var row = Row(x, r);
        double n = Math.Sqrt(TensorPrimitives.SumOfSquares(row));
        if (n > 0) TensorPrimitives.Multiply(row, (float)(1 / n), row);
    });
}
