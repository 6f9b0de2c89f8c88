using NativeTV.Kernels;

namespace NativeTV.Sae.Training;

/// <summary>
/// A gated SAE (Rajamanoharan et al. 2024; METHOD.md §4). With x~ = x - b_dec and u = x~ W_enc:
/// pi_gate = u + b_gate, pi_mag = exp(r_mag) * u + b_mag, f = 1[pi_gate &gt; 0] * ReLU(pi_mag),
/// x^ = f W_dec + b_dec, and per vector
/// loss = ||x - x^||^2 + lambda sum_j ReLU(pi_gate)_j ||W_dec[j]|| + aux ||x - (ReLU(pi_gate) W_dec + b_dec)||^2,
/// W_dec and b_dec detached in the auxiliary term (it trains the gate path: W_enc, b_gate, and b_dec
/// through x~). The magnitude path trains W_enc, r_mag and b_mag; the step of the gate passes no gradient.
/// Every gradient is exact for the loss as written, the row-norm factor included; decoder rows are
/// renormalised after each step (<see cref="SaeTrainer"/>), so it is 1 at every step.
/// </summary>
public sealed class GatedSaeTrainer : SaeTrainer
{
    private readonly Param _bGate, _rMag, _bMag;
    private readonly DeviceBuffer<float> _normTerm, _radial, _norms;

    public GatedSaeTrainer(IBackend be, int dIn, SaeTrainOptions o) : base(be, dIn, o with { Arch = SaeArchitecture.Gated })
    {
        _bGate = AddParam("b_gate", new float[S], 1, S);
        _rMag = AddParam("r_mag", new float[S], 1, S);
        _bMag = AddParam("b_mag", new float[S], 1, S);
        _normTerm = be.Alloc(S);
        _radial = be.Alloc(S);
        _norms = be.Alloc(S);
    }

    protected override LossTerms ForwardBackward(Mat x, float lambda, Scratch scratch)
    {
        var be = Be;
        int B = x.Rows;
        var rows = RowIndex.UpTo(B);
        Mat xt = scratch.Mat(B, D), u = scratch.Mat(B, S), pg = scratch.Mat(B, S), f = scratch.Mat(B, S), g = scratch.Mat(B, S),
            err = scratch.Mat(B, D), errAux = scratch.Mat(B, D), dErr = scratch.Mat(B, D), dAux = scratch.Mat(B, D),
            df = scratch.Mat(B, S), dMag = scratch.Mat(B, S), dGate = scratch.Mat(B, S), dxt = scratch.Mat(B, D);
        var tmp = scratch.Vec(Math.Max(S, D));
        var sq = scratch.Vec(B);
        var gated = new SaeActivationArgs(SaeActivationKind.Gated, BGate: _bGate.W, RMag: _rMag.W, BMag: _bMag.W);
        var relu = new SaeActivationArgs(SaeActivationKind.Relu);

        // Forward. u = x~ W_enc, pi_gate = u + b_gate; f is a function of pi_gate alone (the gated activation op).
        be.Copy(x, xt);
        if (Options.ApplyBDecToInput) be.AddToRows(xt, rows, B, BDec.W, -1f);
        be.MatMul(xt, EncView, u);
        be.Copy(u, pg);
        be.AddToRows(pg, rows, B, _bGate.W, 1f);
        be.SaeActivation(pg, gated, f);
        be.MatMulNoTranspose(f, DecView, err, false);          // err = f W_dec + b_dec - x
        be.AddToRows(err, rows, B, BDec.W, 1f);
        be.Add(err, x, -1f);
        be.SaeActivation(pg, relu, g);                         // g = ReLU(pi_gate)
        be.MatMulNoTranspose(g, DecView, errAux, false);        // errAux = g W_dec + b_dec - x
        be.AddToRows(errAux, rows, B, BDec.W, 1f);
        be.Add(errAux, x, -1f);
        be.RowDots(err, err, sq);
        double mse = HostSum(sq, B) / B;
        be.RowDots(errAux, errAux, sq);
        double auxMse = HostSum(sq, B) / B;
        // Row norms n_j of W_dec and the gate sums G_j = sum_b g[b, j]: L1 = sum_j G_j n_j / B.
        be.RowDots(WDec.AsMat, WDec.AsMat, _norms);
        var n = be.Download(_norms).Select(v => MathF.Sqrt(v)).ToArray();
        be.ColumnSums(g, tmp, false);
        var gSum = new float[S];
        be.CopyToHost(tmp, 0, gSum);
        double l1 = 0;
        for (int j = 0; j < S; j++) l1 += (double)gSum[j] * n[j];
        l1 /= B;

        // Backward of the batch mean. Reconstruction: dErr = (2/B) err.
        be.Add(dErr, err, 2f / B);
        be.MatMulWeightGrad(f, dErr, WDec.Grad, false);
        // Sparsity through the row norms: dW_dec[j] += (lambda / B) G_j W_dec[j] / n_j.
        be.CopyToDevice<float>(gSum.Select((v, j) => n[j] > 0 ? lambda / B * v / n[j] : 0f).ToArray(), _radial);
        be.AddScaledRows(WDec.Grad, WDec.AsMat, _radial);
        be.ColumnSums(dErr, BDec.G, false);
        be.MatMul(dErr, DecView, df);                          // df = dErr W_dec^T
        // Magnitude path: f = 1[pi_gate > 0] ReLU(pi_mag), so df/dpi_mag = 1[f > 0] and df/du = exp(r_mag) 1[f > 0].
        be.SaeActivationBackward(f, relu, df, dMag);
        be.ColumnSums(dMag, _bMag.G, false);                   // d b_mag
        be.SaeActivationBackward(pg, gated, df, dMag);         // dMag = exp(r_mag) 1[f > 0] df: the magnitude path's du
        be.ColumnDots(dMag, u, _rMag.G, false);                // d r_mag = sum_b exp(r_mag) 1[f > 0] df u
        // Gate path: d/dg of lambda sum g n / B and aux ||errAux||^2 / B (W_dec, b_dec detached), through ReLU(pi_gate).
        be.Add(dAux, errAux, 2f * Options.Aux / B);
        be.MatMul(dAux, DecView, dGate);
        be.CopyToDevice<float>(n, _normTerm);
        be.AddToRows(dGate, rows, B, _normTerm, lambda / B);
        be.SaeActivationBackward(pg, relu, dGate, dGate);
        be.ColumnSums(dGate, _bGate.G, false);                 // d b_gate
        // Both paths meet at u = x~ W_enc.
        be.Add(dMag, dGate);
        be.MatMulWeightGrad(dMag, xt, WEncT.Grad, false);
        if (Options.ApplyBDecToInput)
        {
            // x~ = x - b_dec: b_dec also gets minus the encoder-side input gradient.
            be.MatMulBackward(dMag, EncView, dxt, false);
            be.ColumnSums(dxt, tmp, false);
            be.Add(Mat.Of(BDec.G, 1, D), Mat.Of(tmp, 1, D), -1f);
        }
        return new LossTerms(mse, l1, auxMse, f);
    }

    protected override Sae Canonical(float[] wEnc, float[] wDec, float[] bDec, string hookName, int hookLayer, string modelName) => new()
    {
        Arch = SaeArchitecture.Gated, DIn = D, DSae = S, WEnc = wEnc, WDec = wDec, BDec = bDec,
        BGate = Be.Download(_bGate.W), RMag = Be.Download(_rMag.W), BMag = Be.Download(_bMag.W),
        ApplyBDecToInput = Options.ApplyBDecToInput, HookName = hookName, HookLayer = hookLayer, ModelName = modelName, Source = "trained by NativeTV",
    };

    protected override void DisposeOwn() { _normTerm.Dispose(); _radial.Dispose(); _norms.Dispose(); }
}
