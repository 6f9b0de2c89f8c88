using NativeTV.Transformer.Checkpoints;
using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv bench forward`: forward throughput on random weights of Gemma shape, next to the raw
/// GEMM rate of the same backend on the model's largest matmul, measured in the same run.
/// </summary>
public static class BenchForward
{
    public static Command Create()
    {
        var shape = new BenchCommand.ShapeOptions();
        var tokens = new Option<int>("--tokens") { DefaultValueFactory = _ => 1024 }.AtLeast(1);
        var cmd = new Command("forward", "Forward pass tokens/s and GFLOP/s vs the raw GEMM rate (Gemma shape: head_dim 256, 1 kv head, d_mlp 8 d)") { tokens };
        shape.AddTo(cmd);
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            int T = pr.GetValue(tokens), n = pr.GetValue(shape.Reps);
            var cfg = shape.Config(pr, T);
            using var be = shape.CreateBackend(pr);
            using var model = BenchCommand.RandomModelOn(be, cfg);
            var ids = Enumerable.Range(0, T).Select(i => (i * 7919) % cfg.VocabSize).ToArray();
            var req = new ForwardRequest { Tokens = TokenBatch.Single(ids), LogitRows = [T - 1] };
            double fwd = BenchCommand.MedianProfiled(be, n, () => model.Forward(req), "per forward");

            var gate = model.Weights.Layers[0].GateUp[0].W;
            var x = be.AllocMat(T, cfg.HiddenSize);
            var y = be.AllocMat(T, gate.Rows);
            double gemm = BenchCommand.Median(n, () => { be.MatMul(x, gate, y); be.Synchronize(); });
            x.Buf.Dispose(); y.Buf.Dispose();

            double fwdFlops = ForwardFlops(cfg, 1, T) + 2.0 * cfg.HiddenSize * cfg.VocabSize, gemmFlops = 2.0 * T * gate.Rows * cfg.HiddenSize;
            BenchCommand.Print([
                ("forward time", $"{fwd * 1e3:F1} ms"),
                ("tokens/s", $"{T / fwd:F0}"),
                ("forward GFLOP/s", $"{fwdFlops / fwd / 1e9:F1}"),
                ($"raw GEMM GFLOP/s ({T}x{cfg.HiddenSize} by {gate.Rows}x{cfg.HiddenSize}, {cfg.DType})", $"{gemmFlops / gemm / 1e9:F1}"),
                ("forward / GEMM rate", $"{fwdFlops / fwd / (gemmFlops / gemm):P0}"),
            ]);
            return 0;
        }));
        return cmd;
    }

    /// <summary>Matmul flops of every layer and causal attention (QK and PV) for a batch of sequences.</summary>
    public static double ForwardFlops(ModelConfig c, int batch, int T)
    {
        double d = c.HiddenSize, perTokenLayer = 2 * d * (c.QkvWidth + c.Heads * c.HeadDim + 3.0 * c.IntermediateSize);
        double attention = 2 * 2.0 * c.Heads * c.HeadDim * (T * (T + 1) / 2.0);
        return batch * c.Layers * (T * perTokenLayer + attention);
    }
}
