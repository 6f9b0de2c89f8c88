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
            float* cr = c + (long)pos[r] * half, sr = s + (long)pos[r] * half;
            for (int h = 0; h < heads; h++)
            {
                float* v = RowPtr(x, r) + h * headDim;
                for (int i = 0; i < half; i++)
                {
                    float x1 = v[i], x2 = v[i + half], si = sign * sr[i];
                    v[i] = x1 * cr[i] - x2 * si;
                    v[i + half] = x2 * cr[i] + x1 * si;
                }
            }
        });
    }
}
