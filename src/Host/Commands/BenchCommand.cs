using System.CommandLine;
using System.Diagnostics;
using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;
using NativeTV.TaskVectors.Steering;
using NativeTV.Sae;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv bench ...`: benchmarks that report ratios against a baseline measured in the same run.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks (ratios against a baseline measured in the same run)");
        bench.Subcommands.Add(BenchForward.Create());
        bench.Subcommands.Add(BenchSteerGrad.Create());
        bench.Subcommands.Add(BenchSae.Create());
        bench.Subcommands.Add(BenchTrain.Create());
        bench.Subcommands.Add(BenchGemm.Create());
        bench.Subcommands.Add(BenchPipeline.Create());
        bench.Subcommands.Add(BenchCleanBatch.Create());
        return bench;
    }

    /// <summary>The shape options every model benchmark takes, for random weights of Gemma shape (4 layers and a 32000 vocabulary unless a bench says otherwise).</summary>
    public sealed class ShapeOptions(int layers = 4, int vocab = 32000)
    {
        public Option<string> Device { get; } = CommonOptions.Device();
        public Option<int?> Threads { get; } = CommonOptions.Threads();
        public Option<int> Layers { get; } = new Option<int>("--layers") { DefaultValueFactory = _ => layers }.AtLeast(1);
        public Option<int> DModel { get; } = new Option<int>("--d-model") { DefaultValueFactory = _ => 2048 }.AtLeast(1);
        public Option<int> Vocab { get; } = new Option<int>("--vocab") { Description = "logits are computed only where needed", DefaultValueFactory = _ => vocab }.AtLeast(1);
        public Option<string> DType { get; } = new("--dtype") { Description = "stored weight dtype", DefaultValueFactory = _ => "bf16" };
        public Option<int> Reps { get; } = new Option<int>("--reps") { DefaultValueFactory = _ => 3 }.AtLeast(1);
        public Option<bool> Profile { get; } = CommonOptions.Profile();

        public void AddTo(Command c) { foreach (Option o in new Option[] { Device, Threads, Layers, DModel, Vocab, DType, Reps, Profile }) c.Options.Add(o); }

        /// <summary>The backend, wrapped in a <see cref="ProfilingBackend"/> under --profile.</summary>
        public IBackend CreateBackend(ParseResult pr)
        {
            CommonOptions.UseThreads(pr, Threads);
            return CommonOptions.CreateBackend(pr.GetValue(Device)!, pr.GetValue(Profile));
        }

        /// <summary>Gemma 2B proportions: head_dim 256, d/256 heads, one KV head, d_mlp = 8 d.</summary>
        public ModelConfig Config(ParseResult pr, int maxPositions)
        {
            int d = pr.GetValue(DModel);
            return RandomModel.TinyConfig(Architecture.Gemma, DTypes.Parse(pr.GetValue(DType)!), pr.GetValue(Layers), d,
                Math.Max(1, d / 256), 1, 256, 8 * d, pr.GetValue(Vocab)) with { MaxPositions = Math.Max(8192, maxPositions) };
        }
    }

    /// <summary>A model with random weights held in memory in the config's dtype.</summary>
    public static TransformerModel RandomModelOn(IBackend be, ModelConfig cfg)
    {
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(be.DeviceDescription)}; {cfg.Layers} layers, d {cfg.HiddenSize}, {cfg.Heads} heads x {cfg.HeadDim}, {cfg.KvHeads} kv head, d_mlp {cfg.IntermediateSize}, vocab {cfg.VocabSize}, {cfg.DType}[/]");
        var set = new TensorSet();
        foreach (var (name, shape, values) in RandomModel.Weights(cfg, 1))
            set.Tensors[name] = HostTensor.FromFloats(name, values, shape, cfg.DType);
        return new TransformerModel(cfg, be, ModelWeights.Load(cfg, set, be));
    }

    /// <summary>
    /// A batch as cleaning uses it: <paramref name="batch"/> prompts of <paramref name="tokens"/> tokens, steering at
    /// the third-last position of each, loss on the next two tokens.
    /// </summary>
    public static SteeringProblem CleaningBatch(ModelConfig cfg, int batch, int tokens, int layer)
    {
        var ids = Enumerable.Range(0, batch * tokens).Select(i => (i * 7919 + 13) % cfg.VocabSize).ToArray();
        var tok = new TokenBatch(batch, tokens, ids, Enumerable.Repeat(1, batch * tokens).ToArray());
        var targets = LossTargets.AnswerMetric(tok, Enumerable.Repeat(tokens - 2, batch).ToArray(), nFirst: 2);
        return new SteeringProblem(tok, layer, Enumerable.Range(0, batch).Select(b => tok.Row(b, tokens - 3)).ToArray(), targets);
    }

    /// <summary>A gated SAE (the architecture with the most work per step) with uniform random weights.</summary>
    public static NativeTV.Sae.Sae RandomGatedSae(int dIn, int dSae, Random rng)
    {
        float[] R(int count, float std) => Uniform(rng, count, std);
        return new NativeTV.Sae.Sae
        {
            Arch = SaeArchitecture.Gated, DIn = dIn, DSae = dSae, WEnc = R(dIn * dSae, 0.05f), WDec = R(dSae * dIn, 0.05f), BDec = R(dIn, 0.1f),
            BGate = R(dSae, 0.1f), RMag = R(dSae, 0.1f), BMag = R(dSae, 0.1f), ApplyBDecToInput = true,
        };
    }

    /// <summary><paramref name="count"/> values uniform in [-scale, scale).</summary>
    public static float[] Uniform(Random rng, int count, float scale)
    {
        var a = new float[count];
        for (int i = 0; i < count; i++) a[i] = scale * (2 * rng.NextSingle() - 1);
        return a;
    }

    /// <summary>Median wall time in seconds of <paramref name="reps"/> runs after one warm-up run, after which <paramref name="warmedUp"/> is called.</summary>
    public static double Median(int reps, Action run, Action? warmedUp = null)
    {
        run();
        warmedUp?.Invoke();
        var times = new double[Math.Max(1, reps)];
        for (int i = 0; i < times.Length; i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            times[i] = sw.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[times.Length / 2];
    }

    /// <summary>
    /// Timings of several runs measured in alternation (one warm-up each, then <paramref name="warmedUp"/>,
    /// then <paramref name="reps"/> rounds of every run in turn): a ratio of two of them sees the same machine
    /// load, which on a shared machine drifts more than the ratio.
    /// </summary>
    public static TimeSpread[] Interleaved(int reps, Action? warmedUp, params Action[] runs)
    {
        foreach (var r in runs) r();
        warmedUp?.Invoke();
        var times = runs.Select(_ => new double[Math.Max(1, reps)]).ToArray();
        for (int i = 0; i < times[0].Length; i++)
            for (int j = 0; j < runs.Length; j++)
            {
                var sw = Stopwatch.StartNew();
                runs[j]();
                times[j][i] = sw.Elapsed.TotalSeconds;
            }
        return times.Select(TimeSpread.Of).ToArray();
    }

    /// <summary>Median, fastest and slowest of repeated timings in seconds.</summary>
    public readonly record struct TimeSpread(double Median, double Min, double Max)
    {
        public static TimeSpread Of(double[] t)
        {
            var s = t.Order().ToArray();
            return new(s[s.Length / 2], s[0], s[^1]);
        }
    }

    /// <summary>Median of <see cref="Median"/> that, under --profile, prints the per-op table of the timed runs (not the warm-up).</summary>
    public static double MedianProfiled(IBackend be, int reps, Action run, string caption)
    {
        var prof = be as ProfilingBackend;
        double t = Median(reps, run, () => prof?.Reset());
        if (prof != null) ProfileTable.Write(prof, reps, caption);
        return t;
    }

    public static void Print(IEnumerable<(string Measure, string Value)> rows)
    {
        var t = TextTable.Create("measure", "value");
        foreach (var (m, v) in rows) t.AddText(m, v);
        AnsiConsole.Write(t);
    }
}
