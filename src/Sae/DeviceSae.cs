using NativeTV.Kernels;

namespace NativeTV.Sae;

/// <summary>Gradient-pursuit settings (METHOD.md §5).</summary>
public sealed record PursuitOptions(int K = 20, bool Signed = false, bool SubtractBDec = false, bool NormalizeRows = false);

/// <summary>
/// An SAE on one backend: encode, decode, the decode of an activation and its backward (for
/// cleaning), and batched gradient pursuit, all built from the backend's op set. Decoder rows are
/// the device weight W_dec [d_sae, d_in]; the encoder is kept as W_enc^T, [d_sae, d_in], so both
/// run through the same GEMMs as the transformer.
/// </summary>
public sealed class DeviceSae : IDisposable
{
    public Sae Sae { get; }
    public IBackend Backend { get; }
    private readonly DeviceWeight _encT, _dec;
    private DeviceWeight? _decUnit;
    private readonly DeviceBuffer<float> _bDec;
    private readonly DeviceBuffer<float>? _bias;
    public SaeActivationArgs Activation { get; }
    private readonly List<IDisposable> _owned = [];
    private readonly RowIndices _rows;

    public DeviceSae(Sae sae, IBackend be)
    {
        Sae = sae; Backend = be;
        _rows = Own(new RowIndices(be));
        _encT = Own(be.Upload(HostTensor.FromFloats("W_enc^T", Transpose(sae.WEnc, sae.DIn, sae.DSae), [sae.DSae, sae.DIn])));
        _dec = Own(be.Upload(HostTensor.FromFloats("W_dec", sae.WDec, [sae.DSae, sae.DIn])));
        _bDec = Own(be.Upload(sae.BDec));
        var bias = sae.Arch == SaeArchitecture.Gated ? sae.BGate : sae.BEnc;
        _bias = bias is null ? null : Own(be.Upload(bias));
        DeviceBuffer<float>? Opt(float[]? v) => v is null ? null : Own(be.Upload(v));
        Activation = new SaeActivationArgs(sae.Arch switch
        {
            SaeArchitecture.Standard => SaeActivationKind.Relu,
            SaeArchitecture.JumpRelu => SaeActivationKind.JumpRelu,
            SaeArchitecture.Gated => SaeActivationKind.Gated,
            _ => SaeActivationKind.TopK,
        }, Opt(sae.Threshold), Opt(sae.BGate), Opt(sae.RMag), Opt(sae.BMag), sae.K);
    }

    /// <summary>Per-feature pre-activations z (pi_gate for gated SAEs): z = (x - b_dec?) W_enc + bias.</summary>
    public void PreActivations(Mat x, Mat z)
    {
        var be = Backend;
        var rows = AllRows(x.Rows);
        var xt = x;
        DeviceBuffer<float>? tmp = null;
        if (Sae.ApplyBDecToInput)
        {
            tmp = be.Alloc((long)x.Rows * x.Cols);
            xt = Mat.Of(tmp, x.Rows, x.Cols);
            be.Copy(x, xt);
            be.AddToRows(xt, rows, x.Rows, _bDec, -1f);
        }
        be.MatMul(xt, _encT, z);
        if (_bias != null) be.AddToRows(z, rows, z.Rows, _bias, 1f);
        tmp?.Dispose();
    }

    /// <summary>f = act(z(x)); z and f may be the same view.</summary>
    public void Encode(Mat x, Mat z, Mat f)
    {
        PreActivations(x, z);
        Backend.SaeActivation(z, Activation, f);
    }

    /// <summary>x_hat = f W_dec + b_dec.</summary>
    public void Decode(Mat f, Mat xHat)
    {
        Backend.MatMulNoTranspose(f, _dec, xHat, accumulate: false);
        var rows = AllRows(f.Rows);
        Backend.AddToRows(xHat, rows, f.Rows, _bDec, 1f);
    }

    /// <summary>v = decode(act(z)); f receives act(z). The steering vector of task-vector cleaning.</summary>
    public void DecodeActivation(Mat z, Mat f, Mat v)
    {
        Backend.SaeActivation(z, Activation, f);
        Decode(f, v);
    }

    /// <summary>dz = (dv W_dec^T) * act'(z): the gradient of <see cref="DecodeActivation"/> with respect to z.</summary>
    public void DecodeActivationBackward(Mat z, Mat dv, Mat df, Mat dz)
    {
        Backend.MatMul(dv, _dec, df);
        Backend.SaeActivationBackward(z, Activation, df, dz);
    }

    /// <summary>
    /// Batched gradient pursuit of y [M, d_in] over the decoder rows (METHOD.md §5): coefficients
    /// [M, d_sae] (for unit rows when NormalizeRows) and the reconstruction [M, d_in] (+ b_dec when
    /// subtracted from the target).
    /// </summary>
    public void Pursuit(Mat y, PursuitOptions o, Mat coeffs, Mat recon)
    {
        if (o.K < 1) throw new ArgumentException("pursuit needs k >= 1");
        var be = Backend;
        var d = o.NormalizeRows ? UnitDecoder() : _dec;
        int M = y.Rows;
        using var tBuf = be.Alloc((long)M * Sae.DIn);
        using var rBuf = be.Alloc((long)M * Sae.DIn);
        using var dgBuf = be.Alloc((long)M * Sae.DIn);
        using var cBuf = be.Alloc((long)M * Sae.DSae);
        using var supBuf = be.Alloc((long)M * Sae.DSae);
        using var num = be.Alloc(M);
        using var den = be.Alloc(M);
        using var active = be.AllocInts((long)M * o.K);
        Mat t = Mat.Of(tBuf, M, Sae.DIn), r = Mat.Of(rBuf, M, Sae.DIn), dg = Mat.Of(dgBuf, M, Sae.DIn);
        Mat c = Mat.Of(cBuf, M, Sae.DSae), support = Mat.Of(supBuf, M, Sae.DSae);
        var rows = AllRows(M);
        be.Copy(y, t);
        if (o.SubtractBDec) be.AddToRows(t, rows, M, _bDec, -1f);
        be.Copy(t, r);
        using (var zero = be.Alloc((long)M * Sae.DSae)) be.Copy(Mat.Of(zero, M, Sae.DSae), coeffs);
        // Only c = D r is dense; g and w live on the support (at most k features), so D^T g and D^T w are sparse decodes.
        for (int i = 0; i < o.K; i++)
        {
            be.MatMul(r, d, c);                                   // c = D r
            be.PursuitSelect(c, support, o.Signed, active, o.K, i); // c -> g, on the support
            be.SparseDecode(active, o.K, i + 1, c, d, dg);        // D^T g
            be.RowDots(dg, r, num);
            be.RowDots(dg, dg, den);
            be.PursuitUpdate(coeffs, c, num, den, !o.Signed);
            be.SparseDecode(active, o.K, i + 1, coeffs, d, recon);
            be.Copy(t, r);
            be.Add(r, recon, -1f);                                // r = y' - D^T w
        }
        if (o.SubtractBDec) be.AddToRows(recon, rows, M, _bDec, 1f);
    }

    private DeviceWeight UnitDecoder()
    {
        if (_decUnit != null) return _decUnit;
        var w = (float[])Sae.WDec.Clone();
        for (int j = 0; j < Sae.DSae; j++)
        {
            var row = w.AsSpan(j * Sae.DIn, Sae.DIn);
            double n = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row));
            if (n > 0) System.Numerics.Tensors.TensorPrimitives.Multiply(row, (float)(1 / n), row);
        }
        return _decUnit = Own(Backend.Upload(HostTensor.FromFloats("W_dec (unit rows)", w, [Sae.DSae, Sae.DIn])));
    }

    private DeviceBuffer<int> AllRows(int n) => _rows.UpTo(n);

    private static float[] Transpose(float[] a, int rows, int cols)
    {
        var t = new float[a.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) t[(long)j * rows + i] = a[(long)i * cols + j];
        return t;
    }

    private T Own<T>(T x) where T : IDisposable { _owned.Add(x); return x; }

    public void Dispose() { foreach (var x in _owned) x.Dispose(); }
}
