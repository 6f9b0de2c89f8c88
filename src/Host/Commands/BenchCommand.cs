using System.CommandLine;
using System.Diagnostics;
using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;
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
        return bench;
    }

    /// <summary>The shape options every model benchmark takes, for random weights of Gemma shape.</summary>
    public sealed class ShapeOptions
    {
        public Option<string> Device { get; } = CommonOptions.Device();
        public Option<int?> Threads { get; } = CommonOptions.Threads();
        public Option<int> Layers { get; } = new Option<int>("--layers") { DefaultValueFactory = _ => 4 }.AtLeast(1);
        public Option<int> DModel { get; } = new Option<int>("--d-model") { DefaultValueFactory = _ => 2048 }.AtLeast(1);
        public Option<int> Vocab { get; } = new Option<int>("--vocab") { Description = "logits are computed only where needed", DefaultValueFactory = _ => 32000 }.AtLeast(1);
        public Option<string> DType { get; } = new("--dtype") { Description = "stored weight dtype", DefaultValueFactory = _ => "bf16" };
        public Option<int> Reps { get; } = new Option<int>("--reps") { DefaultValueFactory = _ => 3 }.AtLeast(1);

        public void AddTo(Command c) { c.Options.Add(Device); c.Options.Add(Threads); c.Options.Add(Layers); c.Options.Add(DModel); c.Options.Add(Vocab); c.Options.Add(DType); c.Options.Add(Reps); }

        public IBackend CreateBackend(ParseResult pr)
        {
            CommonOptions.UseThreads(pr, Threads);
            return CommonOptions.CreateBackend(pr.GetValue(Device)!);
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

    /// <summary>Median wall time in seconds of <paramref name="reps"/> runs after one warm-up run.</summary>
    public static double Median(int reps, Action run)
    {
        run();
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

    public static void Print(IEnumerable<(string Measure, string Value)> rows)
    {
        var t = TextTable.Create("measure", "value");
        foreach (var (m, v) in rows) t.AddText(m, v);
        AnsiConsole.Write(t);
    }
}
