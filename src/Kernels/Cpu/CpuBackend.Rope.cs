using System.Numerics;
using System.Runtime.CompilerServices;

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
                int i = 0;
                for (; i <= half - VectorLanes.Width; i += VectorLanes.Width)
                {
                    var (a, b) = Rotate(VectorLanes.LoadFull(v1, i), VectorLanes.LoadFull(v2, i), VectorLanes.LoadFull(cr, i), sign * VectorLanes.LoadFull(sr, i));
                    VectorLanes.StoreFull(v1, i, a);
                    VectorLanes.StoreFull(v2, i, b);
                }
                if (i < half)
                {
                    var (a, b) = Rotate(VectorLanes.LoadPartial(v1, i), VectorLanes.LoadPartial(v2, i), VectorLanes.LoadPartial(cr, i), sign * VectorLanes.LoadPartial(sr, i));
                    VectorLanes.StorePartial(v1, i, a);
                    VectorLanes.StorePartial(v2, i, b);
                }
            }
        });
    }

    /// <summary>(x1, x2) rotated by the angle whose cosine and sine are c and s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector<float>, Vector<float>) Rotate(Vector<float> x1, Vector<float> x2, Vector<float> c, Vector<float> s) => (x1 * c - x2 * s, x2 * c + x1 * s);
}
