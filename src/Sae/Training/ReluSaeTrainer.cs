using NativeTV.Kernels;

namespace NativeTV.Sae.Training;

/// <summary>
/// A standard ReLU SAE: loss = ||x - x_hat||^2 + lambda ||f||_1 with f = ReLU(x~ W_enc + b_enc)
/// (decoder rows kept at unit norm, so the L1 of f is the norm-weighted L1). Adam, the warm-up,
/// checkpoints and the rest are <see cref="SaeTrainer"/>'s.
/// </summary>
public sealed class ReluSaeTrainer : SaeTrainer
{
    private readonly Param _bEnc;
    private readonly DeviceBuffer<float> _lambda;

    public ReluSaeTrainer(IBackend be, int dIn, SaeTrainOptions o) : base(be, dIn, o with { Arch = SaeArchitecture.Standard })
    {
        _bEnc = AddParam("b_enc", new float[S], 1, S);
        _lambda = be.Alloc(S);
    }

    protected override LossTerms ForwardBackward(Mat x, float lambda, Scratch scratch)
    {
        var be = Be;
        int B = x.Rows;
        var rows = RowIndex.UpTo(B);
        Mat xt = scratch.Mat(B, D), z = scratch.Mat(B, S), f = scratch.Mat(B, S), err = scratch.Mat(B, D), dx = scratch.Mat(B, D),
            df = scratch.Mat(B, S), dxt = scratch.Mat(B, D);
        var tmp = scratch.Vec(Math.Max(S, D));
        var sq = scratch.Vec(B);

        // Forward: xt = x - b_dec; z = xt W_enc + b_enc; f = relu(z); err = f W_dec + b_dec - x.
        be.Copy(x, xt);
        if (Options.ApplyBDecToInput) be.AddToRows(xt, rows, B, BDec.W, -1f);
        be.MatMul(xt, EncView, z);
        be.AddToRows(z, rows, B, _bEnc.W, 1f);
        var relu = new SaeActivationArgs(SaeActivationKind.Relu);
        be.SaeActivation(z, relu, f);
        be.MatMulNoTranspose(f, DecView, err, false);
        be.AddToRows(err, rows, B, BDec.W, 1f);
        be.Add(err, x, -1f);
        be.RowDots(err, err, sq);
        be.ColumnSums(f, tmp, false);
        double mse = HostSum(sq, B) / B, l1 = HostSum(tmp, S) / B;

        // Backward of (1/B) sum ||err||^2 + (lambda/B) sum f.
        be.Add(dx, err, 2f / B);
        be.MatMulWeightGrad(f, dx, WDec.Grad, false);
        be.ColumnSums(dx, BDec.G, false);
        be.MatMul(dx, DecView, df);
        be.CopyToDevice<float>(Enumerable.Repeat(lambda / B, S).ToArray(), _lambda);
        be.AddToRows(df, rows, B, _lambda, 1f);
        be.SaeActivationBackward(z, relu, df, df);
        be.ColumnSums(df, _bEnc.G, false);
        be.MatMulWeightGrad(df, xt, WEncT.Grad, false);
        if (Options.ApplyBDecToInput)
        {
            // xt = x - b_dec: b_dec also gets minus the encoder-side input gradient.
            be.MatMulBackward(df, EncView, dxt, false);
            be.ColumnSums(dxt, tmp, false);
            be.Add(Mat.Of(BDec.G, 1, D), Mat.Of(tmp, 1, D), -1f);
        }
        return new LossTerms(mse, l1, 0, f);
    }

    protected override Sae Canonical(float[] wEnc, float[] wDec, float[] bDec, string hookName, int hookLayer, string modelName) => new()
    {
        Arch = SaeArchitecture.Standard, DIn = D, DSae = S, WEnc = wEnc, WDec = wDec, BEnc = Be.Download(_bEnc.W), BDec = bDec,
        ApplyBDecToInput = Options.ApplyBDecToInput, HookName = hookName, HookLayer = hookLayer, ModelName = modelName, Source = "trained by NativeTV",
    };

    protected override void DisposeOwn() => _lambda.Dispose();
}
