using System.Numerics;
using System.Runtime.CompilerServices;

namespace NativeTV.Kernels.Cpu;

/// <summary>
/// act(gate) * up, forward and backward in one pass over each row. Both activations are g sigmoid(z(g)):
/// SiLU with z = g, tanh-GELU with z = 2c (g + k g^3), since 0.5 (1 + tanh(t)) = sigmoid(2t). So
/// act' = s + g s (1 - s) z'(g) with s = sigmoid(z(g)).
/// </summary>
public sealed unsafe partial class CpuBackend
{
    private const float GeluC = 0.7978845608028654f, GeluK = 0.044715f;

    public void GatedActivation(Mat gate, Mat up, GateActivation act, Mat y) => ParallelRows(y.Rows, y.Cols, r =>
    {
        ReadOnlySpan<float> g = Row(gate, r), u = Row(up, r);
        var o = Row(y, r);
        for (int i = 0; i < o.Length; i += VectorLanes.Width)
        {
            var gv = VectorLanes.Load(g, i);
            VectorLanes.Store(o, i, gv * VectorMath.Sigmoid(SigmoidArgument(act, gv)) * VectorLanes.Load(u, i));
        }
    });

    /// <summary>Element by element, all inputs read before outputs are written: the gradients may overwrite gate or up.</summary>
    public void GatedActivationBackward(Mat gate, Mat up, GateActivation act, Mat dy, Mat dGate, Mat dUp) => ParallelRows(dy.Rows, dy.Cols, r =>
    {
        ReadOnlySpan<float> g = Row(gate, r), u = Row(up, r), d = Row(dy, r);
        Span<float> dg = Row(dGate, r), du = Row(dUp, r);
        for (int i = 0; i < d.Length; i += VectorLanes.Width)
        {
            Vector<float> gv = VectorLanes.Load(g, i), uv = VectorLanes.Load(u, i), dv = VectorLanes.Load(d, i);
            var s = VectorMath.Sigmoid(SigmoidArgument(act, gv));
            var a = gv * s;
            var da = s + a * (Vector<float>.One - s) * SigmoidArgumentSlope(act, gv);
            VectorLanes.Store(dg, i, dv * uv * da);
            VectorLanes.Store(du, i, dv * a);
        }
    });

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> SigmoidArgument(GateActivation act, Vector<float> g) =>
        act == GateActivation.Silu ? g : g * Vector.FusedMultiplyAdd(g * g, new Vector<float>(2 * GeluC * GeluK), new Vector<float>(2 * GeluC));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> SigmoidArgumentSlope(GateActivation act, Vector<float> g) =>
        act == GateActivation.Silu ? Vector<float>.One : Vector.FusedMultiplyAdd(g * g, new Vector<float>(6 * GeluC * GeluK), new Vector<float>(2 * GeluC));
}
