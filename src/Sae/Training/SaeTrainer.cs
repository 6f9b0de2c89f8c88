using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Sae.Training;

/// <summary>
/// Settings of SAE training (METHOD.md §4; ORGANISM.md's layer-2 SAE uses L1 1.0, lr 1e-3-ish, 4000 steps of 1024).
/// <paramref name="Arch"/> picks the trainer (Standard = ReLU, or Gated); <paramref name="Aux"/> weights the gated
/// SAE's auxiliary reconstruction term (1 in Rajamanoharan et al. 2024; unused by ReLU training).
/// </summary>
public sealed record SaeTrainOptions(int DSae, float L1 = 1f, float Lr = 1e-3f, int L1WarmupSteps = 0, bool ApplyBDecToInput = true, int Seed = 0,
    SaeArchitecture Arch = SaeArchitecture.Standard, float Aux = 1f);

/// <summary>
/// What one training step measured (per input vector): L0 is the mean number of active features;
/// DeadFraction the share of features not active on any of the last <see cref="SaeTrainer.DeadWindow"/> steps;
/// AuxMse the gated SAE's auxiliary reconstruction error (0 for ReLU). Loss = Mse + lambda L1 + aux AuxMse.
/// </summary>
public sealed record SaeStepStats(int Step, double Mse, double L1, double Loss, double L0, double DeadFraction, double AuxMse = 0);

/// <summary>
/// What every SAE trainer shares: the encoder W_enc^T [d_sae, d_in], decoder W_dec [d_sae, d_in] and
/// b_dec as trainable float buffers read through weight views (so the same GEMMs as inference run
/// training), Adam on every parameter, decoder rows renormalised to unit norm after each step, the L1
/// warm-up, L0 and dead-feature tracking, atomic checkpoints with resume, and the conversion to the
/// canonical <see cref="Sae"/>. A subclass adds its own parameters and writes the loss's forward and
/// backward (<see cref="ForwardBackward"/>).
/// </summary>
public abstract class SaeTrainer : IDisposable
{
    protected readonly IBackend Be;
    protected readonly int D, S;
    protected readonly SaeTrainOptions Options;
    protected readonly Param WEncT, WDec, BDec;
    protected readonly DeviceWeight EncView, DecView;
    protected readonly RowIndices RowIndex;
    private readonly List<(string Name, Param P)> _params = [];
    private readonly int[] _lastActive;
    private DeviceBuffer<float>? _ones;
    private int _step;

    /// <summary>A feature is dead when it fired on none of this many recent steps.</summary>
    public const int DeadWindow = 1000;

    public int StepCount => _step;

    /// <summary>The trainer for <see cref="SaeTrainOptions.Arch"/>.</summary>
    public static SaeTrainer Create(IBackend be, int dIn, SaeTrainOptions o) => o.Arch switch
    {
        SaeArchitecture.Standard => new ReluSaeTrainer(be, dIn, o),
        SaeArchitecture.Gated => new GatedSaeTrainer(be, dIn, o),
        _ => throw new ArgumentException($"training a {o.Arch} SAE is not supported (relu or gated)"),
    };

    /// <summary>The --arch spelling of an architecture NativeTV trains.</summary>
    public static SaeArchitecture ParseArch(string name) => name.ToLowerInvariant() switch
    {
        "relu" or "standard" => SaeArchitecture.Standard,
        "gated" => SaeArchitecture.Gated,
        _ => throw new ArgumentException($"--arch {name}: NativeTV trains relu or gated SAEs"),
    };

    /// <summary>One trainable tensor with its gradient and Adam moments.</summary>
    protected sealed class Param(IBackend be, float[] init, int rows, int cols) : IDisposable
    {
        public readonly DeviceBuffer<float> W = be.Upload(init), G = be.Alloc(init.Length), M = be.Alloc(init.Length), V = be.Alloc(init.Length);
        public Mat AsMat => Mat.Of(W, rows, cols);
        public Mat Grad => Mat.Of(G, rows, cols);
        public void Dispose() { W.Dispose(); G.Dispose(); M.Dispose(); V.Dispose(); }
    }

    /// <summary>Buffers of one step, freed together.</summary>
    protected sealed class Scratch(IBackend be) : IDisposable
    {
        private readonly List<IDisposable> _owned = [];
        public Mat Mat(int rows, int cols) { var m = be.AllocMat(rows, cols); _owned.Add(m.Buf); return m; }
        public DeviceBuffer<float> Vec(long n) { var v = be.Alloc(n); _owned.Add(v); return v; }
        public void Dispose() { foreach (var o in _owned) o.Dispose(); }
    }

    /// <summary>The loss terms of a batch (per vector) and the features it activated (f &gt; 0 marks active).</summary>
    protected readonly record struct LossTerms(double Mse, double L1, double AuxMse, Mat Features);

    protected SaeTrainer(IBackend be, int dIn, SaeTrainOptions o)
    {
        Be = be; D = dIn; S = o.DSae; Options = o;
        var rng = new Random(o.Seed);
        // Decoder rows random unit vectors; encoder initialised as the decoder's transpose (a common, stable start).
        var dec = new float[S * D];
        for (int i = 0; i < dec.Length; i++) dec[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        for (int j = 0; j < S; j++)
        {
            var row = dec.AsSpan(j * D, D);
            float n = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row));
            System.Numerics.Tensors.TensorPrimitives.Divide(row, n, row);
        }
        WDec = AddParam("W_dec", dec, S, D);
        WEncT = AddParam("W_enc_T", (float[])dec.Clone(), S, D);
        BDec = AddParam("b_dec", new float[D], 1, D);
        EncView = be.AsWeight(WEncT.W, 0, S, D, "W_enc^T");
        DecView = be.AsWeight(WDec.W, 0, S, D, "W_dec");
        _lastActive = new int[S];
        RowIndex = new RowIndices(be);
    }

    /// <summary>A trainable tensor, saved in checkpoints under <paramref name="name"/> and stepped by Adam.</summary>
    protected Param AddParam(string name, float[] init, int rows, int cols)
    {
        var p = new Param(Be, init, rows, cols);
        _params.Add((name, p));
        return p;
    }

    /// <summary>The L1 coefficient at a step: warmed up linearly over the first L1WarmupSteps.</summary>
    protected float Lambda(int step) => Options.L1 * (Options.L1WarmupSteps > 0 ? Math.Min(1f, step / (float)Options.L1WarmupSteps) : 1f);

    /// <summary>
    /// Forward and backward of the loss on x [B, d_in] with L1 coefficient <paramref name="lambda"/>:
    /// every parameter's gradient (of the batch-mean loss) is overwritten. Buffers come from <paramref name="scratch"/>.
    /// </summary>
    protected abstract LossTerms ForwardBackward(Mat x, float lambda, Scratch scratch);

    /// <summary>The architecture-specific part of the canonical SAE: b_enc for ReLU, b_gate / r_mag / b_mag for gated.</summary>
    protected abstract Sae Canonical(float[] wEnc, float[] wDec, float[] bDec, string hookName, int hookLayer, string modelName);

    /// <summary>One Adam step on a batch x [B, d_in]; returns the batch's loss terms per vector.</summary>
    public SaeStepStats Step(Mat x)
    {
        _step++;
        float lambda = Lambda(_step);
        using var scratch = new Scratch(Be);
        var t = ForwardBackward(x, lambda, scratch);
        var counts = ActiveCounts(t.Features, scratch);
        for (int j = 0; j < S; j++) if (counts[j] > 0) _lastActive[j] = _step;
        int dead = _lastActive.Count(s => _step - s >= DeadWindow);
        var args = AdamArgs.ForStep(_step, Options.Lr);
        foreach (var (_, p) in _params) Be.AdamStep(p.W, p.G, p.M, p.V, p.W.Length, args);
        Be.NormalizeRows(WDec.AsMat);
        return new SaeStepStats(_step, t.Mse, t.L1, t.Mse + lambda * t.L1 + Options.Aux * t.AuxMse,
            counts.Sum(v => (double)v) / x.Rows, dead / (double)S, t.AuxMse);
    }

    /// <summary>
    /// The loss and every gradient on x as the next <see cref="Step"/> would compute them, without
    /// updating anything (for gradient checks; read them with <see cref="Gradient"/>).
    /// </summary>
    public SaeStepStats ComputeGradients(Mat x)
    {
        float lambda = Lambda(_step + 1);
        using var scratch = new Scratch(Be);
        var t = ForwardBackward(x, lambda, scratch);
        double l0 = ActiveCounts(t.Features, scratch).Sum(v => (double)v) / x.Rows;
        return new SaeStepStats(_step + 1, t.Mse, t.L1, t.Mse + lambda * t.L1 + Options.Aux * t.AuxMse, l0, 0, t.AuxMse);
    }

    /// <summary>Checkpoint names of the parameters (W_enc_T, W_dec, b_dec, then the architecture's own).</summary>
    public IReadOnlyList<string> ParameterNames => _params.Select(p => p.Name).ToArray();

    public float[] Parameter(string name) => Be.Download(Find(name).W);
    public float[] Gradient(string name) => Be.Download(Find(name).G);

    public void SetParameter(string name, float[] values)
    {
        var p = Find(name);
        if (values.Length != p.W.Length) throw new ArgumentException($"{name} has {p.W.Length} values, got {values.Length}");
        Be.CopyToDevice<float>(values, p.W);
    }

    private Param Find(string name) => _params.FirstOrDefault(p => p.Name == name).P ?? throw new ArgumentException($"no parameter {name} (have {string.Join(", ", ParameterNames)})");

    /// <summary>Per feature, how many rows of the batch activated it (f &gt; 0: the ReLU's 0/1 derivative summed over rows).</summary>
    private float[] ActiveCounts(Mat f, Scratch scratch)
    {
        int B = f.Rows;
        if (_ones == null || _ones.Length < (long)B * S)
        {
            _ones?.Dispose();
            _ones = Be.Upload(Enumerable.Repeat(1f, B * S).ToArray());
        }
        var mask = scratch.Mat(B, S);
        var counts = scratch.Vec(S);
        Be.SaeActivationBackward(f, new SaeActivationArgs(SaeActivationKind.Relu), Mat.Of(_ones, B, S), mask);
        Be.ColumnSums(mask, counts, false);
        return Be.Download(counts);
    }

    /// <summary>Sum of the first n values of a device buffer, in double on the host.</summary>
    protected double HostSum(DeviceBuffer<float> b, int n) { var h = new float[n]; Be.CopyToHost(b, 0, h); return h.Sum(v => (double)v); }

    private string ArchName => Options.Arch == SaeArchitecture.Gated ? "gated" : "relu";

    /// <summary>Parameters, Adam moments, step and feature activity, written atomically: a killed run resumes from here.</summary>
    public void SaveCheckpoint(string path)
    {
        var w = new SafetensorsWriter().AddMetadata("d_in", D.ToString()).AddMetadata("d_sae", S.ToString()).AddMetadata("arch", ArchName);
        foreach (var (name, p) in _params)
            foreach (var (suffix, buf) in new[] { ("", p.W), (".adam_m", p.M), (".adam_v", p.V) })
                w.Add(name + suffix, Be.Download(buf), [buf.Length]);
        w.Add("step", [_step], [1]).Add("last_active", _lastActive, [S]).Write(path);
    }

    public void LoadCheckpoint(string path)
    {
        using var f = new SafetensorsFile(path);
        // Checkpoints from before gated training carry no arch: they are ReLU.
        string arch = f.Metadata.TryGetValue("arch", out var a) ? a : "relu";
        if (arch != ArchName) throw new CheckpointException(path, $"is a {arch} SAE checkpoint, this run trains {ArchName} (use --restart or another --out)");
        foreach (var (name, p) in _params)
            foreach (var (suffix, buf) in new[] { ("", p.W), (".adam_m", p.M), (".adam_v", p.V) })
            {
                if (!f.Contains(name + suffix)) throw new CheckpointException(path, $"has no '{name + suffix}'");
                var v = f.ReadFloats(name + suffix);
                if (v.Length != buf.Length) throw new CheckpointException(path, $"'{name + suffix}' has {v.Length} values, this run needs {buf.Length} (different d_in or --expansion?)");
                Be.CopyToDevice<float>(v, buf);
            }
        _step = f.ReadInts("step")[0];
        f.ReadInts("last_active").CopyTo(_lastActive, 0);
    }

    /// <summary>The trained SAE in canonical form.</summary>
    public Sae ToSae(string hookName = "", int hookLayer = -1, string modelName = "")
    {
        var encT = Be.Download(WEncT.W);
        var enc = new float[D * S];
        for (int j = 0; j < S; j++)
            for (int i = 0; i < D; i++) enc[i * S + j] = encT[j * D + i];
        return Canonical(enc, Be.Download(WDec.W), Be.Download(BDec.W), hookName, hookLayer, modelName);
    }

    protected virtual void DisposeOwn() { }

    public void Dispose()
    {
        DisposeOwn();
        EncView.Dispose(); DecView.Dispose(); _ones?.Dispose(); RowIndex.Dispose();
        foreach (var (_, p) in _params) p.Dispose();
        GC.SuppressFinalize(this);
    }
}
