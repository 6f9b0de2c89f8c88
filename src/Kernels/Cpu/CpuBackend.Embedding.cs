using System.Numerics.Tensors;

namespace NativeTV.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Embedding(DeviceWeight table, DeviceBuffer<int> ids, float scale, Mat y)
    {
        var w = (CpuWeight)table;
        int* id = P(ids);
        ParallelRows(y.Rows, y.Cols, i =>
        {
            w.WidenRows(id[i], 1, RowPtr(y, i));
            if (scale != 1f) TensorPrimitives.Multiply(Row(y, i), scale, Row(y, i));
        });
    }
}
