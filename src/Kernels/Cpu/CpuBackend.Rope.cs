using System.Numerics;

namespace NativeTV.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>Forward rotates by +angle; backward applies the transpose (sin negated).</summary>
    public void Rope(Mat x, int heads, int headDim, int rotDim, DeviceBuffer<int> positions, DeviceBuffer<float> cos, DeviceBuffer<float> sin, bool backward = false)
    {
        int half = rotDim / 2;
        int* pos = P(positions);
        float* c = P(cos), s = P(sin);
        float sign = backward ? -1f : 1f;
        ParallelRows(x.Rows, (long)heads * rotDim, r =>
        {
            ReadOnlySpan<float> cr = new(c + (long)pos[r] * half, half), sr = new(s + (long)pos[r] * half, half);
            for (int h = 0; h < heads; h++)
            {
                Span<float> v1 = new(RowPtr(x, r) + h * headDim, half), v2 = new(RowPtr(x, r) + h * headDim + half, half);
                for (int i = 0; i < half; i += VectorLanes.Width)
                {
                    Vector<float> x1 = VectorLanes.Load(v1, i), x2 = VectorLanes.Load(v2, i), cv = VectorLanes.Load(cr, i), sv = sign * VectorLanes.Load(sr, i);
                    VectorLanes.Store(v1, i, x1 * cv - x2 * sv);
                    VectorLanes.Store(v2, i, x2 * cv + x1 * sv);
                }
            }
        });
    }
}
