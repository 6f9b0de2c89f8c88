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
        int i = 0;
        for (; i <= o.Length - VectorLanes.Width; i += VectorLanes.Width)
            VectorLanes.StoreFull(o, i, Gated(act, VectorLanes.LoadFull(g, i), VectorLanes.LoadFull(u, i)));
        if (i < o.Length) VectorLanes.StorePartial(o, i, Gated(act, VectorLanes.LoadPartial(g, i), VectorLanes.LoadPartial(u, i)));
    });

    /// <summary>Element by element, all inputs read before outputs are written: the gradients may overwrite gate or up.</summary>
    public void GatedActivationBackward(Mat gate, Mat up, GateActivation act, Mat dy, Mat dGate, Mat dUp) => ParallelRows(dy.Rows, dy.Cols, r =>
    {
        ReadOnlySpan<float> g = Row(gate, r), u = Row(up, r), d = Row(dy, r);
        Span<float> dg = Row(dGate, r), du = Row(dUp, r);
        int i = 0;
        for (; i <= d.Length - VectorLanes.Width; i += VectorLanes.Width)
        {
            var (a, b) = GatedGradients(act, VectorLanes.LoadFull(g, i), VectorLanes.LoadFull(u, i), VectorLanes.LoadFull(d, i));
            VectorLanes.StoreFull(dg, i, a);
            VectorLanes.StoreFull(du, i, b);
        }
        if (i < d.Length)
        {
            var (a, b) = GatedGradients(act, VectorLanes.LoadPartial(g, i), VectorLanes.LoadPartial(u, i), VectorLanes.LoadPartial(d, i));
            VectorLanes.StorePartial(dg, i, a);
            VectorLanes.StorePartial(du, i, b);
        }
    });

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Gated(GateActivation act, Vector<float> g, Vector<float> u) => g * VectorMath.Sigmoid(SigmoidArgument(act, g)) * u;

    /// <summary>(d gate, d up) = (dy up act'(g), dy act(g)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector<float>, Vector<float>) GatedGradients(GateActivation act, Vector<float> g, Vector<float> u, Vector<float> dy)
    {
        var s = VectorMath.Sigmoid(SigmoidArgument(act, g));
        var a = g * s;
        var da = s + a * (Vector<float>.One - s) * SigmoidArgumentSlope(act, g);
        return (dy * u * da, dy * a);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> SigmoidArgument(GateActivation act, Vector<float> g) =>
        act == GateActivation.Silu ? g : g * Vector.FusedMultiplyAdd(g * g, new Vector<float>(2 * GeluC * GeluK), new Vector<float>(2 * GeluC));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> SigmoidArgumentSlope(GateActivation act, Vector<float> g) =>
        act == GateActivation.Silu ? Vector<float>.One : Vector.FusedMultiplyAdd(g * g, new Vector<float>(6 * GeluC * GeluK), new Vector<float>(2 * GeluC));
}
