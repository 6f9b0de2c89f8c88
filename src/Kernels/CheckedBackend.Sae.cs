namespace NativeTV.Kernels;

/// <summary>The contract of the sparse-autoencoder and optimiser ops.</summary>
public sealed partial class CheckedBackend
{
    public override void SaeActivation(Mat z, SaeActivationArgs args, Mat f)
    {
        Same(nameof(SaeActivation), ("z", z), ("f", f));
        ActivationArgs(nameof(SaeActivation), args, z.Cols);
        base.SaeActivation(z, args, f);
    }

    public override void SaeActivationBackward(Mat z, SaeActivationArgs args, Mat df, Mat dz)
    {
        Same(nameof(SaeActivationBackward), ("z", z), ("df", df), ("dz", dz));
        ActivationArgs(nameof(SaeActivationBackward), args, z.Cols);
        base.SaeActivationBackward(z, args, df, dz);
    }

    /// <summary>The per-feature parameters the activation kind reads are there, one per column; TopK has K > 0.</summary>
    private static void ActivationArgs(string op, SaeActivationArgs args, int cols)
    {
        void Param(DeviceBuffer<float>? b, string name) =>
            Require(b is not null && b.Length >= cols, $"{op}: {args.Kind} needs {name} of {cols} elements, has {b?.Length.ToString() ?? "none"}");
        switch (args.Kind)
        {
            case SaeActivationKind.Relu: break;
            case SaeActivationKind.JumpRelu: Param(args.Threshold, "threshold"); break;
            case SaeActivationKind.Gated: Param(args.BGate, "b_gate"); Param(args.RMag, "r_mag"); Param(args.BMag, "b_mag"); break;
            case SaeActivationKind.TopK: Require(args.K > 0, $"{op}: TopK needs K > 0, got {args.K}"); break;
            default: Require(false, $"{op}: unknown activation {args.Kind}"); break;
        }
    }

    public override void PursuitSelect(Mat c, Mat support, bool signed, DeviceBuffer<int> active, int stride, int slot)
    {
        Same(nameof(PursuitSelect), ("c", c), ("support", support));
        if (c.Rows > 0)
        {
            Require(c.Cols > 0, "PursuitSelect: rows have no entries");
            Require(stride >= 0 && slot >= 0 && (long)(c.Rows - 1) * stride + slot < active.Length,
                $"PursuitSelect: slot {slot} of stride {stride} for {c.Rows} rows is outside the {active.Length} active entries");
        }
        base.PursuitSelect(c, support, signed, active, stride, slot);
    }

    public override void SparseDecode(DeviceBuffer<int> active, int stride, int slots, Mat coeffs, DeviceWeight w, Mat y)
    {
        Fit(nameof(SparseDecode), ("coeffs", coeffs), ("y", y));
        Require(coeffs.Rows == y.Rows && coeffs.Cols == w.Rows && y.Cols == w.Cols,
            $"SparseDecode: coeffs {coeffs.Rows}x{coeffs.Cols}, y {y.Rows}x{y.Cols}, weight '{w.Name}' is [{w.Rows}, {w.Cols}]");
        Require(stride >= 0 && slots >= 0 && (slots == 0 || y.Rows == 0 || (long)(y.Rows - 1) * stride + slots <= active.Length),
            $"SparseDecode: {slots} slots of stride {stride} for {y.Rows} rows exceed the {active.Length} active entries");
        base.SparseDecode(active, stride, slots, coeffs, w, y);
    }

    public override void RowDots(Mat a, Mat b, DeviceBuffer<float> dots)
    {
        Same(nameof(RowDots), ("a", a), ("b", b));
        Require(dots.Length >= a.Rows, $"RowDots: {a.Rows} rows but {dots.Length} dots");
        base.RowDots(a, b, dots);
    }

    public override void PursuitUpdate(Mat w, Mat g, DeviceBuffer<float> num, DeviceBuffer<float> den, bool nonNegative)
    {
        Same(nameof(PursuitUpdate), ("w", w), ("g", g));
        Require(num.Length >= w.Rows && den.Length >= w.Rows, $"PursuitUpdate: {w.Rows} rows but {num.Length} numerators, {den.Length} denominators");
        base.PursuitUpdate(w, g, num, den, nonNegative);
    }

    public override void AdamStep(DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m, DeviceBuffer<float> v, long count, AdamArgs args)
    {
        Require(count >= 0 && count <= param.Length && count <= grad.Length && count <= m.Length && count <= v.Length,
            $"AdamStep: {count} parameters, buffers of {param.Length} (param), {grad.Length} (grad), {m.Length} (m), {v.Length} (v)");
        base.AdamStep(param, grad, m, v, count, args);
    }

    public override void NormalizeRows(Mat x)
    {
        Fit(nameof(NormalizeRows), ("x", x));
        base.NormalizeRows(x);
    }
}
