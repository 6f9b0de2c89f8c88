using System.Buffers;
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
            // act(g) and act'(g) into scratch first, vectorised: the gradients may overwrite gate or up.
            var buf = ArrayPool<float>.Shared.Rent(3 * g.Length);
            var a = buf.AsSpan(0, g.Length); var da = buf.AsSpan(g.Length, g.Length); var t = buf.AsSpan(2 * g.Length, g.Length);
            if (act == GateActivation.Silu)
            {
                // silu = g s, silu' = s (1 + g (1 - s)) with s = sigmoid(g)
                TensorPrimitives.Sigmoid(g, da);
                TensorPrimitives.Multiply(g, da, a);
                TensorPrimitives.Subtract(g, a, t);          // g (1 - s)
                TensorPrimitives.Add(t, 1f, t);
                TensorPrimitives.Multiply(da, t, da);
            }
            else
            {
                // gelu_tanh = 0.5 g (1 + th), th = tanh(c (g + k g^3));
                // gelu_tanh' = 0.5 (1 + th) + 0.5 g (1 - th^2) c (1 + 3 k g^2)
                const float c = 0.7978845608028654f, k = 0.044715f;
                TensorPrimitives.Multiply(g, g, t);            // g^2
                TensorPrimitives.Multiply(t, k, a);
                TensorPrimitives.Add(a, 1f, a);                // 1 + k g^2
                TensorPrimitives.Multiply(a, g, a);
                TensorPrimitives.Multiply(a, c, a);
                TensorPrimitives.Tanh(a, a);                   // th
                TensorPrimitives.Multiply(t, 3f * k, t);
                TensorPrimitives.Add(t, 1f, t);                // 1 + 3 k g^2
                TensorPrimitives.Multiply(a, a, da);
                TensorPrimitives.Negate(da, da);
                TensorPrimitives.Add(da, 1f, da);              // 1 - th^2
                TensorPrimitives.Multiply(da, t, da);
                TensorPrimitives.Multiply(da, g, da);
                TensorPrimitives.Multiply(da, 0.5f * c, da);
                TensorPrimitives.Add(a, 1f, a);                // 1 + th
                TensorPrimitives.MultiplyAdd(a, 0.5f, da, da);
                TensorPrimitives.Multiply(a, g, a);
                TensorPrimitives.Multiply(a, 0.5f, a);
            }
            TensorPrimitives.Multiply(d, u, t);
            TensorPrimitives.Multiply(t, da, dg);
            TensorPrimitives.Multiply(d, a, du);
            ArrayPool<float>.Shared.Return(buf);
        });
    }

    public void Add(Mat y, Mat x, float alpha = 1f) => ParallelRows(y.Rows, y.Cols, r => TensorPrimitives.MultiplyAdd(Row(x, r), alpha, Row(y, r), Row(y, r)));

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
