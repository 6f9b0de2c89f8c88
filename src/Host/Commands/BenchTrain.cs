using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;
using NativeTV.Organism;
using NativeTV.Transformer.Training;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv bench train`: one organism training step (forward, weight gradients, clipping, AdamW) on a
/// batch of its training mixture, next to the raw GEMM rate of its largest matmul in the same run;
/// `--profile` adds the time per op.
/// </summary>
public static class BenchTrain
{
    public static Command Create()
    {
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 64 }.AtLeast(1);
        var reps = new Option<int>("--reps") { DefaultValueFactory = _ => 9 }.AtLeast(1);
        var profile = CommonOptions.Profile();
        var cmd = new Command("train", "Organism training step: tokens/s and GFLOP/s vs the raw GEMM rate") { device, threads, batch, reps, profile };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            CommonOptions.UseThreads(pr, threads);
            var c = OrganismModel.Config;
            int B = pr.GetValue(batch), n = pr.GetValue(reps);
            IBackend be = CommonOptions.CreateBackend(pr.GetValue(device)!);
            var prof = pr.GetValue(profile) ? new ProfilingBackend(be) : null;
            using var backend = prof ?? be;
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(be.DeviceDescription)}; organism ({c.ParameterCount:N0} parameters), batch {B} x {OrganismSampler.Length}[/]");
            using var trainer = new ModelTrainer(c, backend, new ModelTrainOptions { Batch = B });
            trainer.Parameters.Set(ModelInit.Normal(c, 0));
            var (tok, targets) = OrganismModel.TrainingBatch(new OrganismSampler(0).Batch(0, B));
            int T = tok.Ids.Length;
            var gateUp = trainer.Model.Weights.Layers[0].GateUp[0].W;
            var x = be.AllocMat(T, c.HiddenSize);
            var y = be.AllocMat(T, gateUp.Rows);
            // The raw GEMM (through the unprofiled backend) in alternation with the steps, repeated to last a few ms.
            const int gemmCalls = 16;
            var t = BenchCommand.Interleaved(n, () => prof?.Reset(),
                () => { trainer.TrainStep(tok, targets); be.Synchronize(); },
                () => { for (int i = 0; i < gemmCalls; i++) be.MatMul(x, gateUp, y); be.Synchronize(); });
            double step = t[0].Median, gemm = t[1].Median / gemmCalls;
            x.Buf.Dispose(); y.Buf.Dispose();

            // Backward costs twice the forward's matmuls (input and weight gradients); the logits only at answer rows.
            double flops = 3 * (BenchForward.ForwardFlops(c, B, OrganismSampler.Length) + 2.0 * targets.Length * c.HiddenSize * c.VocabSize);
            double gemmFlops = 2.0 * T * gateUp.Rows * c.HiddenSize;
            BenchCommand.Print([
                ("step time", $"{step * 1e3:F1} ms"),
                ($"step time, fastest-slowest of {n}", $"{t[0].Min * 1e3:F1}-{t[0].Max * 1e3:F1} ms"),
                ("tokens/s", $"{T / step:F0}"),
                ("training GFLOP/s", $"{flops / step / 1e9:F1}"),
                ($"raw GEMM GFLOP/s ({T}x{c.HiddenSize} by {gateUp.Rows}x{c.HiddenSize})", $"{gemmFlops / gemm / 1e9:F1}"),
                ("training / GEMM rate", $"{flops / step / (gemmFlops / gemm):P0}"),
                ("raw GEMM GFLOP/s, fastest-slowest", $"{gemmFlops * gemmCalls / t[1].Max / 1e9:F1}-{gemmFlops * gemmCalls / t[1].Min / 1e9:F1}"),
                ("6000 steps (ORGANISM.md)", $"{6000 * step / 60:F1} min"),
            ]);
            if (prof != null) ProfileTable.Write(prof, n, "per training step");
            return 0;
        }));
        return cmd;
    }
}
