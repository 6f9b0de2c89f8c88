using NativeTV.Sae;
using NativeTV.Kernels;
using NativeTV.TaskVectors.Steering;

namespace NativeTV.TaskVectors.Cleaning;

/// <summary>
/// Task-vector cleaning's parameterisation (METHOD.md §6): theta holds one pre-activation z per SAE feature
/// and the steering vector is decode(act(z)) with the SAE's own activation and b_dec, so inactive features
/// stay off while active ones are re-weighted or pruned; the penalty is lambda ||act(z)||_1. With a fixed
/// feature set (the interpretability-illusion test) every other feature is held at zero.
/// </summary>
public sealed class SaeFeatureVector : IVectorParameterization
{
    private readonly DeviceSae _sae;
    private readonly float _l1;
    private readonly bool[]? _allowed;

    public SaeFeatureVector(DeviceSae sae, float l1, IReadOnlyCollection<int>? onlyFeatures = null)
    {
        _sae = sae;
        _l1 = l1;
        if (onlyFeatures != null)
        {
            _allowed = new bool[sae.Sae.DSae];
            foreach (var f in onlyFeatures)
                _allowed[f >= 0 && f < _allowed.Length ? f : throw new ArgumentException($"feature {f} is outside 0..{_allowed.Length - 1}")] = true;
        }
    }

    public int Count => _sae.Sae.DSae;

    /// <summary>The encoder pre-activations of <paramref name="v"/> (pi_gate for gated SAEs): where cleaning starts.</summary>
    public float[] Initial(float[] v)
    {
        var be = _sae.Backend;
        var x = be.UploadMat(v, 1, v.Length);
        var z = be.AllocMat(1, Count);
        using (x.Buf) using (z.Buf)
        {
            _sae.PreActivations(x, z);
            var z0 = be.Download(z);
            if (_allowed != null) for (int i = 0; i < z0.Length; i++) if (!_allowed[i]) z0[i] = Math.Min(z0[i], 0f);
            return z0;
        }
    }

    /// <summary>act(z): the feature activations (the weights reported for a cleaned vector).</summary>
    public float[] Activations(float[] theta)
    {
        var be = _sae.Backend;
        var z = be.UploadMat(theta, 1, Count);
        var f = be.AllocMat(1, Count);
        using (z.Buf) using (f.Buf)
        {
            be.SaeActivation(z, _sae.Activation, f);
            return be.Download(f);
        }
    }

    public float[] Vector(float[] theta)
    {
        var be = _sae.Backend;
        var z = be.UploadMat(theta, 1, Count);
        var f = be.AllocMat(1, Count);
        var v = be.AllocMat(1, _sae.Sae.DIn);
        using (z.Buf) using (f.Buf) using (v.Buf)
        {
            _sae.DecodeActivation(z, f, v);
            return be.Download(v);
        }
    }

    public float[] Backward(float[] theta, float[] dVector) => MaskGradient(ActivationVjp(theta, dVector, dv: true));

    public double Penalty(float[] theta, float[] grad)
    {
        var f = Activations(theta);
        // d ||act(z)||_1 / dz = act'(z) (activations are non-negative).
        var d = ActivationGradient(theta);
        for (int i = 0; i < grad.Length; i++) grad[i] += _l1 * d[i];
        return _l1 * f.Sum(x => (double)Math.Abs(x));
    }

    /// <summary>
    /// act'(z) per feature (zero outside a fixed feature set): the chain-rule factor for a penalty of one's own on the
    /// activations, d penalty / dz = d penalty / d act(z) * act'(z) (the activation's backward applied to ones).
    /// </summary>
    public float[] ActivationGradient(float[] theta) => MaskGradient(ActivationVjp(theta, Enumerable.Repeat(1f, Count).ToArray(), dv: false));

    public int L0(float[] theta) => Activations(theta).Count(x => x != 0f);

    /// <summary>dz given d loss / d v (through the decoder) or d loss / d act(z) (dv: false).</summary>
    private float[] ActivationVjp(float[] theta, float[] upstream, bool dv)
    {
        var be = _sae.Backend;
        var z = be.UploadMat(theta, 1, Count);
        var up = be.UploadMat(upstream, 1, upstream.Length);
        var df = be.AllocMat(1, Count);
        var dz = be.AllocMat(1, Count);
        using (z.Buf) using (up.Buf) using (df.Buf) using (dz.Buf)
        {
            if (dv) _sae.DecodeActivationBackward(z, up, df, dz);
            else be.SaeActivationBackward(z, _sae.Activation, up, dz);
            return be.Download(dz);
        }
    }

    /// <summary>Outside a fixed feature set, pre-activations start at or below 0 (off) and get no gradient, so they stay off.</summary>
    private float[] MaskGradient(float[] dz)
    {
        if (_allowed != null)
            for (int i = 0; i < dz.Length; i++) if (!_allowed[i]) dz[i] = 0f;
        return dz;
    }
}
