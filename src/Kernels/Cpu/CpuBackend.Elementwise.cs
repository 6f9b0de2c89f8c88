using System.Numerics;
using System.Numerics.Tensors;

namespace NativeTV.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Add(Mat y, Mat x, float alpha = 1f)
    {
        var a = new Vector<float>(alpha);
        ParallelRows(y.Rows, y.Cols, r =>
        {
            ReadOnlySpan<float> xr = Row(x, r);
            var yr = Row(y, r);
            int i = 0;
            for (; i <= yr.Length - VectorLanes.Width; i += VectorLanes.Width)
                VectorLanes.StoreFull(yr, i, Vector.FusedMultiplyAdd(VectorLanes.LoadFull(xr, i), a, VectorLanes.LoadFull(yr, i)));
            if (i < yr.Length) VectorLanes.StorePartial(yr, i, Vector.FusedMultiplyAdd(VectorLanes.LoadPartial(xr, i), a, VectorLanes.LoadPartial(yr, i)));
        });
    }

    public void AddScaledRows(Mat y, Mat x, DeviceBuffer<float> s, float alpha = 1f)
    {
        float* sp = P(s);
        ParallelRows(y.Rows, y.Cols, r => TensorPrimitives.MultiplyAdd(Row(x, r), alpha * sp[r], Row(y, r), Row(y, r)));
    }

    public void AddToRows(Mat y, DeviceBuffer<int> rows, int count, DeviceBuffer<float> v, float scale)
    {
        var vec = new ReadOnlySpan<float>(P(v), y.Cols);
        int* r = P(rows);
        // Serial: rows may repeat, and each add is one short vector.
        for (int i = 0; i < count; i++) TensorPrimitives.MultiplyAdd(vec, scale, Row(y, r[i]), Row(y, r[i]));
    }

    public void GatherRows(Mat x, DeviceBuffer<int> rows, Mat y)
    {
        int* r = P(rows);
        ParallelRows(y.Rows, y.Cols, i => Row(x, r[i]).CopyTo(Row(y, i)));
    }

    public void ScatterAddRows(Mat x, DeviceBuffer<int> rows, Mat y)
    {
        int* r = P(rows);
        // Serial: rows may repeat.
        for (int i = 0; i < x.Rows; i++) TensorPrimitives.Add(Row(y, r[i]), Row(x, i), Row(y, r[i]));
    }

    public void Copy(Mat x, Mat y) => ParallelRows(y.Rows, y.Cols, r => Row(x, r).CopyTo(Row(y, r)));
}
