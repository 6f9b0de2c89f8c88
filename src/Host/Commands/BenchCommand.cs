using System.CommandLine;
using System.Diagnostics;
using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv bench forward`: forward throughput on random weights of Gemma shape, next to the raw
/// GEMM rate of the same backend on the model's largest matmul, measured in the same run.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks (ratios against a baseline measured in the same run)");
        bench.Subcommands.Add(Forward());
        return bench;
    }

    private static Command Forward()
    {
        var device = CommonOptions.Device();
        var layers = new Option<int>("--layers") { DefaultValueFactory = _ => 4 };
        var dModel = new Option<int>("--d-model") { DefaultValueFactory = _ => 2048 };
        var tokens = new Option<int>("--tokens") { DefaultValueFactory = _ => 1024 };
        var vocab = new Option<int>("--vocab") { Description = "only one position's logits are computed", DefaultValueFactory = _ => 32000 };
        var dtype = new Option<string>("--dtype") { Description = "stored weight dtype", DefaultValueFactory = _ => "bf16" };
        var reps = new Option<int>("--reps") { DefaultValueFactory = _ => 3 };
        var cmd = new Command("forward", "Forward pass tokens/s and GFLOP/s vs the raw GEMM rate (Gemma shape: head_dim 256, 1 kv head, d_mlp 8 d)")
        { device, layers, dModel, tokens, vocab, dtype, reps };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            int d = pr.GetValue(dModel), T = pr.GetValue(tokens), n = pr.GetValue(reps);
            var cfg = RandomModel.TinyConfig(Architecture.Gemma, DTypes.Parse(pr.GetValue(dtype)!), pr.GetValue(layers), d,
                Math.Max(1, d / 256), 1, 256, 8 * d, pr.GetValue(vocab)) with { MaxPositions = Math.Max(8192, T) };
            using var be = CommonOptions.CreateBackend(pr.GetValue(device)!);
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(be.DeviceDescription)}; {cfg.Layers} layers, d {d}, {cfg.Heads} heads x 256, d_mlp {cfg.IntermediateSize}, {T} tokens, {cfg.DType}[/]");
            var set = new TensorSet();
            foreach (var (name, shape, values) in RandomModel.Weights(cfg, 1))
                set.Tensors[name] = HostTensor.FromFloats(name, values, shape, cfg.DType);
            using var model = new TransformerModel(cfg, be, ModelWeights.Load(cfg, set, be));
            var ids = Enumerable.Range(0, T).Select(i => (i * 7919) % cfg.VocabSize).ToArray();
            var req = new ForwardRequest { Tokens = TokenBatch.Single(ids), LogitRows = [T - 1] };
            double fwd = Median(n, () => model.Forward(req));

            var gate = model.Weights.Layers[0].GateUp[0].W;
            var x = be.AllocMat(T, d);
            var y = be.AllocMat(T, gate.Rows);
            double gemm = Median(n, () => { be.MatMul(x, gate, y); be.Synchronize(); });
            x.Buf.Dispose(); y.Buf.Dispose();

            double fwdFlops = ForwardFlops(cfg, T), gemmFlops = 2.0 * T * gate.Rows * d;
            var t = new Table().AddColumn("measure").AddColumn("value");
            t.AddRow("forward time", $"{fwd * 1e3:F1} ms");
            t.AddRow("tokens/s", $"{T / fwd:F0}");
            t.AddRow("forward GFLOP/s", $"{fwdFlops / fwd / 1e9:F1}");
            t.AddRow($"raw GEMM GFLOP/s ({T}x{d} by {gate.Rows}x{d}, {cfg.DType})", $"{gemmFlops / gemm / 1e9:F1}");
            t.AddRow("forward / GEMM rate", $"{fwdFlops / fwd / (gemmFlops / gemm):P0}");
            AnsiConsole.Write(t);
            return 0;
        }));
        return cmd;
    }

    /// <summary>Matmul flops of every layer, causal attention (QK and PV) and one row of logits.</summary>
    public static double ForwardFlops(ModelConfig c, int T)
    {
        double d = c.HiddenSize, perTokenLayer = 2 * d * (c.QkvWidth + c.Heads * c.HeadDim + 3.0 * c.IntermediateSize);
        double attention = 2 * 2.0 * c.Heads * c.HeadDim * (T * (T + 1) / 2.0);
        return c.Layers * (T * perTokenLayer + attention) + 2 * d * c.VocabSize;
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
}
