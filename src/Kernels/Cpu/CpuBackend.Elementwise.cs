using System.Numerics.Tensors;

namespace NativeTV.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void GatedActivation(Mat gate, Mat up, GateActivation act, Mat y)
    {
        ParallelRows(y.Rows, y.Cols, r =>
        {
            var g = Row(gate, r); var u = Row(up, r); var o = Row(y, r);
            if (act == GateActivation.Silu)
            {
                // silu(g) = g * sigmoid(g)
                TensorPrimitives.Sigmoid(g, o);
                TensorPrimitives.Multiply(o, g, o);
            }
            else
            {
                // gelu_tanh(g) = 0.5 g (1 + tanh(sqrt(2/pi) (g + 0.044715 g^3)))
                const float c = 0.7978845608028654f;
                TensorPrimitives.Multiply(g, g, o);
                TensorPrimitives.Multiply(o, g, o);
                TensorPrimitives.MultiplyAdd(o, 0.044715f, g, o);
                TensorPrimitives.Multiply(o, c, o);
                TensorPrimitives.Tanh(o, o);
                TensorPrimitives.Add(o, 1f, o);
                TensorPrimitives.Multiply(o, g, o);
                TensorPrimitives.Multiply(o, 0.5f, o);
            }
            TensorPrimitives.Multiply(o, u, o);
        });
    }

    public void GatedActivationBackward(Mat gate, Mat up, GateActivation act, Mat dy, Mat dGate, Mat dUp)
    {
        ParallelRows(dy.Rows, dy.Cols, r =>
        {
            var g = Row(gate, r); var u = Row(up, r); var d = Row(dy, r); var dg = Row(dGate, r); var du = Row(dUp, r);
            for (int i = 0; i < g.Length; i++)
            {
                // Read every input before writing: the gradients may overwrite gate or up.
                var (a, da) = act == GateActivation.Silu ? SiluWithDerivative(g[i]) : GeluTanhWithDerivative(g[i]);
                float dyi = d[i], ui = u[i];
                du[i] = dyi * a;
                dg[i] = dyi * ui * da;
            }
        });
    }

    private static (float, float) SiluWithDerivative(float x)
    {
        float s = 1f / (1f + MathF.Exp(-x));
        return (x * s, s * (1f + x * (1f - s)));
    }

    private static (float, float) GeluTanhWithDerivative(float x)
    {
        const float c = 0.7978845608028654f, k = 0.044715f;
        float th = MathF.Tanh(c * (x + k * x * x * x));
        return (0.5f * x * (1f + th), 0.5f * (1f + th) + 0.5f * x * (1f - th * th) * c * (1f + 3f * k * x * x));
    }

    public void Add(Mat y, Mat x, float alpha = 1f) => ParallelRows(y.Rows, y.Cols, r => TensorPrimitives.MultiplyAdd(Row(x, r), alpha, Row(y, r), Row(y, r)));

    public void AddScaledRows(Mat y, Mat x, DeviceBuffer<float> s, float alpha = 1f)
    {
        if (x.Rows != y.Rows || x.Cols != y.Cols || s.Length < y.Rows)
            throw new ArgumentException($"AddScaledRows shapes: y [{y.Rows},{y.Cols}], x [{x.Rows},{x.Cols}], s of {s.Length}");
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
