namespace NativeTV.Kernels;

/// <summary>The activation an SAE applies to its per-feature pre-activations z.</summary>
public enum SaeActivationKind { Relu, JumpRelu, Gated, TopK }

/// <summary>
/// Parameters of an SAE activation on the device. For gated SAEs z is pi_gate and
/// f = 1[z > 0] relu(exp(r_mag) (z - b_gate) + b_mag) (METHOD.md §4: f is a function of pi_gate alone);
/// JumpReLU: f = z 1[z > threshold]; TopK: the K largest z per row, ReLU'd, the rest 0.
/// </summary>
public sealed record SaeActivationArgs(SaeActivationKind Kind, DeviceBuffer<float>? Threshold = null,
    DeviceBuffer<float>? BGate = null, DeviceBuffer<float>? RMag = null, DeviceBuffer<float>? BMag = null, int K = 0);
