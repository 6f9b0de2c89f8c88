using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    public void GatedActivation(Mat gate, Mat up, GateActivation act, Mat y)
    {
        var gv = View(gate, nameof(gate));
        var uv = View(up, nameof(up));
        var yv = View(y, nameof(y));
        Require(gate.Rows == up.Rows && gate.Cols == up.Cols && gate.Rows == y.Rows && gate.Cols == y.Cols,
            $"GatedActivation: gate {gate.Rows}x{gate.Cols}, up {up.Rows}x{up.Cols}, y {y.Rows}x{y.Cols}");
        int n = Count((long)y.Rows * y.Cols, "GatedActivation");
        if (n == 0) return;
        var k = Kernel("GatedActivation", a =>
            a.LoadAutoGroupedStreamKernel<Index1D, MatV, MatV, int, MatV>(GatedActivationKernel));
        k(n, gv, uv, act == GateActivation.GeluTanh ? 0 : 1, yv);
    }

    /// <summary>
    /// tanh-GELU: 0.5 x (1 + tanh(u)) with u = sqrt(2/pi)(x + 0.044715 x^3), computed as the identical
    /// x * sigmoid(2u) = x / (1 + exp(-2u)), which is exact at both tails (no tanh intrinsic needed).
    /// </summary>
    internal static float GeluTanh(float x)
    {
        float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
        return x / (1f + XMath.Exp(-2f * u));
    }

    internal static float Silu(float x) => x / (1f + XMath.Exp(-x));

    /// <summary>One thread per element: y = act(gate) * up (y may alias gate or up).</summary>
    private static void GatedActivationKernel(Index1D idx, MatV gate, MatV up, int act, MatV y)
    {
        int r = idx / y.Cols;
        int c = idx - r * y.Cols;
        float g = gate.Data[gate.Idx(r, c)];
        float a = act == 0 ? GeluTanh(g) : Silu(g);
        y.Data[y.Idx(r, c)] = a * up.Data[up.Idx(r, c)];
    }
}
