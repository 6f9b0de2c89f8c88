using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Sae.Training;

/// <summary>Settings of SAE training (METHOD.md §4; ORGANISM.md's layer-2 SAE uses L1 1.0, lr 1e-3-ish, 4000 steps of 1024).</summary>
public sealed record SaeTrainOptions(int DSae, float L1 = 1f, float Lr = 1e-3f, int L1WarmupSteps = 0, bool ApplyBDecToInput = true, int Seed = 0);

/// <summary>
/// What one training step measured (per input vector): L0 is the mean number of active features;
/// DeadFraction the share of features not active on any of the last <see cref="ReluSaeTrainer.DeadWindow"/> steps.
/// </summary>
public sealed record SaeStepStats(int Step, double Mse, double L1, double Loss, double L0, double DeadFraction);

/// <summary>
/// A standard ReLU SAE trained on the device: loss = ||x - x_hat||^2 + lambda ||f||_1 (decoder rows
/// kept at unit norm, so the L1 of f is the norm-weighted L1), Adam on every parameter, lambda
/// warmed up linearly. Parameters live in float buffers read through weight views, so the same
/// GEMMs as inference run training. Gated training (METHOD.md §4) is still to come.
/// </summary>
public sealed class ReluSaeTrainer : IDisposable
{
    private readonly IBackend _be;
    private readonly int _d, _s;
    private readonly SaeTrainOptions _o;
    private readonly Param _wEncT, _wDec, _bEnc, _bDec;
    private readonly DeviceWeight _encView, _decView;
    private readonly DeviceBuffer<float> _lambda;
    private readonly int[] _lastActive;
    private readonly RowIndices _rows;
    private DeviceBuffer<float>? _ones;
    private int _step;

    /// <summary>A feature is dead when it fired on none of this many recent steps.</summary>
    public const int DeadWindow = 1000;

    public int StepCount => _step;

    /// <summary>One trainable tensor with its gradient and Adam moments.</summary>
    private sealed class Param(IBackend be, float[] init, int rows, int cols) : IDisposable
    {
        public readonly DeviceBuffer<float> W = be.Upload(init), G = be.Alloc(init.Length), M = be.Alloc(init.Length), V = be.Alloc(init.Length);
        public Mat AsMat => Mat.Of(W, rows, cols);
        public Mat Grad => Mat.Of(G, rows, cols);
        public void Dispose() { W.Dispose(); G.Dispose(); M.Dispose(); V.Dispose(); }
    }

    public ReluSaeTrainer(IBackend be, int dIn, SaeTrainOptions o)
    {
        _be = be; _d = dIn; _s = o.DSae; _o = o;
        var rng = new Random(o.Seed);
        // Decoder rows random unit vectors; encoder initialised as the decoder's transpose (a common, stable start).
        var dec = new float[_s * _d];
        for (int i = 0; i < dec.Length; i++) dec[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        for (int j = 0; j < _s; j++)
        {
            var row = dec.AsSpan(j * _d, _d);
            float n = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row));
            System.Numerics.Tensors.TensorPrimitives.Divide(row, n, row);
        }
        _wDec = new Param(be, dec, _s, _d);
        _wEncT = new Param(be, (float[])dec.Clone(), _s, _d);
        _bEnc = new Param(be, new float[_s], 1, _s);
        _bDec = new Param(be, new float[_d], 1, _d);
        _encView = be.AsWeight(_wEncT.W, 0, _s, _d, "W_enc^T");
        _decView = be.AsWeight(_wDec.W, 0, _s, _d, "W_dec");
        _lambda = be.Alloc(_s);
        _lastActive = new int[_s];
        _rows = new RowIndices(be);
    }

    /// <summary>One Adam step on a batch x [B, d_in]; returns the batch's loss terms per vector.</summary>
    public SaeStepStats Step(Mat x)
    {
        var be = _be;
        int B = x.Rows;
        _step++;
        float lambda = _o.L1 * (_o.L1WarmupSteps > 0 ? Math.Min(1f, _step / (float)_o.L1WarmupSteps) : 1f);
        var rows = _rows.UpTo(B);
        Mat xt = be.AllocMat(B, _d), z = be.AllocMat(B, _s), f = be.AllocMat(B, _s), err = be.AllocMat(B, _d), dx = be.AllocMat(B, _d), df = be.AllocMat(B, _s), dxt = be.AllocMat(B, _d);
        using var tmp = be.Alloc(Math.Max(_s, _d));
        using var sq = be.Alloc(B);
        try
        {
            // Forward: xt = x - b_dec; z = xt W_enc + b_enc; f = relu(z); err = f W_dec + b_dec - x.
            be.Copy(x, xt);
            if (_o.ApplyBDecToInput) be.AddToRows(xt, rows, B, _bDec.W, -1f);
            be.MatMul(xt, _encView, z);
            be.AddToRows(z, rows, B, _bEnc.W, 1f);
            var relu = new SaeActivationArgs(SaeActivationKind.Relu);
            be.SaeActivation(z, relu, f);
            be.MatMulBackward(f, _decView, err, false);
            be.AddToRows(err, rows, B, _bDec.W, 1f);
            be.Add(err, x, -1f);
            be.RowDots(err, err, sq);
            be.ColumnSums(f, tmp, false);
            double mse = be.Download(sq).Take(B).Sum() / B, l1 = Sum(tmp, _s) / B;
            var (l0, dead) = Activity(z, B);

            // Backward of (1/B) sum ||err||^2 + (lambda/B) sum f.
            be.Add(dx, err, 2f / B);
            be.MatMulWeightGrad(f, dx, _wDec.Grad, false);
            be.ColumnSums(dx, _bDec.G, false);
            be.MatMul(dx, _decView, df);
            be.CopyToDevice<float>(Enumerable.Repeat(lambda / B, _s).ToArray(), _lambda);
            be.AddToRows(df, rows, B, _lambda, 1f);
            be.SaeActivationBackward(z, relu, df, df);
            be.ColumnSums(df, _bEnc.G, false);
            be.MatMulWeightGrad(df, xt, _wEncT.Grad, false);
            if (_o.ApplyBDecToInput)
            {
                // xt = x - b_dec: b_dec also gets minus the encoder-side input gradient.
                be.MatMulBackward(df, _encView, dxt, false);
                be.ColumnSums(dxt, tmp, false);
                be.Add(Mat.Of(_bDec.G, 1, _d), Mat.Of(tmp, 1, _d), -1f);
            }

            var args = AdamArgs.ForStep(_step, _o.Lr);
            foreach (var p in new[] { _wEncT, _wDec, _bEnc, _bDec }) be.AdamStep(p.W, p.G, p.M, p.V, p.W.Length, args);
            be.NormalizeRows(_wDec.AsMat);
            return new SaeStepStats(_step, mse, l1, mse + lambda * l1, l0, dead);
        }
        finally { foreach (var m in new[] { xt, z, f, err, dx, df, dxt }) m.Buf.Dispose(); }
    }

    /// <summary>Active-feature counts of the batch (the ReLU's 0/1 derivative summed over rows): L0 and the dead share.</summary>
    private (double L0, double Dead) Activity(Mat z, int B)
    {
        if (_ones == null || _ones.Length < (long)B * _s)
        {
            _ones?.Dispose();
            _ones = _be.Upload(Enumerable.Repeat(1f, B * _s).ToArray());
        }
        var mask = _be.AllocMat(B, _s);
        using var counts = _be.Alloc(_s);
        _be.SaeActivationBackward(z, new SaeActivationArgs(SaeActivationKind.Relu), Mat.Of(_ones, B, _s), mask);
        _be.ColumnSums(mask, counts, false);
        mask.Buf.Dispose();
        var c = _be.Download(counts);
        for (int j = 0; j < _s; j++) if (c[j] > 0) _lastActive[j] = _step;
        int dead = _lastActive.Count(t => _step - t >= DeadWindow);
        return (c.Sum(v => (double)v) / B, dead / (double)_s);
    }

    private double Sum(DeviceBuffer<float> b, int n) { var h = new float[n]; _be.CopyToHost(b, 0, h); return h.Sum(v => (double)v); }

    private (string Name, Param P)[] Params => [("W_enc_T", _wEncT), ("W_dec", _wDec), ("b_enc", _bEnc), ("b_dec", _bDec)];

    /// <summary>Parameters, Adam moments, step and feature activity, written atomically: a killed run resumes from here.</summary>
    public void SaveCheckpoint(string path)
    {
        var w = new SafetensorsWriter().AddMetadata("d_in", _d.ToString()).AddMetadata("d_sae", _s.ToString());
        foreach (var (name, p) in Params)
            foreach (var (suffix, buf) in new[] { ("", p.W), (".adam_m", p.M), (".adam_v", p.V) })
                w.Add(name + suffix, _be.Download(buf), [buf.Length]);
        w.Add("step", [_step], [1]).Add("last_active", _lastActive, [_s]).Write(path);
    }

    public void LoadCheckpoint(string path)
    {
        using var f = new SafetensorsFile(path);
        foreach (var (name, p) in Params)
            foreach (var (suffix, buf) in new[] { ("", p.W), (".adam_m", p.M), (".adam_v", p.V) })
            {
                var v = f.ReadFloats(name + suffix);
                if (v.Length != buf.Length) throw new CheckpointException(path, $"'{name + suffix}' has {v.Length} values, this run needs {buf.Length} (different d_in or --expansion?)");
                _be.CopyToDevice<float>(v, buf);
            }
        _step = f.ReadInts("step")[0];
        f.ReadInts("last_active").CopyTo(_lastActive, 0);
    }

    /// <summary>The trained SAE in canonical form.</summary>
    public Sae ToSae(string hookName = "", int hookLayer = -1, string modelName = "")
    {
        var encT = _be.Download(_wEncT.W);
        var enc = new float[_d * _s];
        for (int j = 0; j < _s; j++)
            for (int i = 0; i < _d; i++) enc[i * _s + j] = encT[j * _d + i];
        return new Sae
        {
            Arch = SaeArchitecture.Standard, DIn = _d, DSae = _s, WEnc = enc, WDec = _be.Download(_wDec.W),
            BEnc = _be.Download(_bEnc.W), BDec = _be.Download(_bDec.W), ApplyBDecToInput = _o.ApplyBDecToInput,
            HookName = hookName, HookLayer = hookLayer, ModelName = modelName, Source = "trained by NativeTV",
        };
    }

    public void Dispose()
    {
        _encView.Dispose(); _decView.Dispose(); _lambda.Dispose(); _ones?.Dispose(); _rows.Dispose();
        foreach (var p in new[] { _wEncT, _wDec, _bEnc, _bDec }) p.Dispose();
    }
}
