using NativeTV.Transformer.Files;
using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.Sae;
using NativeTV.Sae.Formats;
using NativeTV.Sae.Training;
using NativeTV.Transformer.Model;
using NativeTV.Transformer.Tokenization;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv sae train`: harvest resid_pre[L] from a corpus, train an SAE on it, save it in the SAELens layout.</summary>
public static class SaeTrainCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var layer = new Option<int>("--layer") { Description = "train on resid_pre[L]", Required = true };
        var corpus = new Option<string>("--corpus") { Description = "plain text (a document per line) or .jsonl with a \"text\" field", Required = true };
        var outDir = new Option<string>("--out") { Description = "SAE folder to write (SAELens layout)", Required = true };
        var arch = new Option<string>("--arch") { Description = "relu or gated (Rajamanoharan et al. 2024)", DefaultValueFactory = _ => "relu" };
        var aux = new Option<float>("--aux") { Description = "gated: weight of the auxiliary reconstruction term", DefaultValueFactory = _ => 1f }.AtLeast(0f);
        var expansion = new Option<int>("--expansion") { Description = "d_sae = expansion x d_model", DefaultValueFactory = _ => 16 }.AtLeast(1);
        var l1 = new Option<float>("--l1") { DefaultValueFactory = _ => 1f }.AtLeast(0f);
        var lr = new Option<float>("--lr") { DefaultValueFactory = _ => 1e-3f }.Above(0f);
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 4000 }.AtLeast(1);
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 1024 }.AtLeast(1);
        var warmup = new Option<int>("--l1-warmup") { Description = "steps over which the L1 coefficient ramps up", DefaultValueFactory = _ => 500 }.AtLeast(0);
        var context = new Option<int>("--context") { Description = "tokens per context (BOS included, BOS positions left out)", DefaultValueFactory = _ => 64 }.AtLeast(2);
        var maxVectors = new Option<int>("--max-vectors") { Description = "vectors harvested into the shuffle buffer", DefaultValueFactory = _ => 300_000 }.AtLeast(1);
        var bufferDir = new Option<string?>("--buffer-dir") { Description = "keep the shuffle buffer in a memory-mapped float32 file in this folder instead of in memory (for harvests larger than RAM; deleted when done)" };
        var normalize = new Option<bool>("--normalize") { Description = "scale inputs so their mean squared norm is d_in (folded into the saved weights)" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var every = new Option<int>("--checkpoint-every") { Description = "steps between checkpoints (OUT.checkpoint.safetensors); a rerun resumes from it", DefaultValueFactory = _ => 500 }.AtLeast(1);
        var restart = new Option<bool>("--restart") { Description = "ignore an existing checkpoint" };
        var cmd = new Command("train", "Train a ReLU or gated SAE on a model's residual stream")
        { model, device, threads, layer, corpus, outDir, arch, aux, expansion, l1, lr, steps, batch, warmup, context, maxVectors, bufferDir, normalize, seed, every, restart };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            CommonOptions.UseThreads(pr, threads);
            var kind = SaeTrainer.ParseArch(pr.GetValue(arch)!);
            OutputPath.CheckFolder(pr.GetValue(outDir)!, "--out");
            string dir = CommonOptions.ModelDir(pr, model);
            int L = pr.GetValue(layer);
            using var be = CommonOptions.CreateBackend(pr.GetValue(device)!);
            using var m = TransformerModel.Load(dir, be);
            if (L < 0 || L > m.Config.Layers) throw new ArgumentException($"--layer {L} is outside 0..{m.Config.Layers}");
            int d = m.Config.HiddenSize, B = pr.GetValue(batch), n = pr.GetValue(steps);
            ActivationBuffer x = null!;
            AnsiConsole.Progress().Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape($"harvesting resid_pre[{L}]"), maxValue: pr.GetValue(maxVectors));
                x = ActivationHarvester.Harvest(m, TokenizerLoader.Load(dir), pr.GetValue(corpus)!, L, pr.GetValue(context), pr.GetValue(maxVectors),
                    seed: pr.GetValue(seed), progress: c => task.Value = c, bufferDir: pr.GetValue(bufferDir));
                task.Value = task.MaxValue;
            });
            using var buffer = x;
            int rows = buffer.Rows;
            float scale = pr.GetValue(normalize) ? (float)Math.Sqrt(d / buffer.MeanSquaredNorm()) : 1f;
            buffer.Scale = scale;
            double variance = buffer.TotalVariance();

            using var trainer = SaeTrainer.Create(be, d, new SaeTrainOptions(pr.GetValue(expansion) * d, pr.GetValue(l1), pr.GetValue(lr), pr.GetValue(warmup),
                Seed: pr.GetValue(seed), Arch: kind, Aux: pr.GetValue(aux)));
            // The harvest is deterministic (same corpus, seed, model), so a checkpoint's step continues the same run.
            string checkpoint = Path.GetFullPath(pr.GetValue(outDir)!).TrimEnd('/') + ".checkpoint.safetensors";
            if (File.Exists(checkpoint) && !pr.GetValue(restart))
            {
                trainer.LoadCheckpoint(checkpoint);
                Console.WriteLine($"resuming from {checkpoint} at step {trainer.StepCount}");
            }
            SaeStepStats last = null!;
            int take = Math.Min(B, rows);
            var host = new float[take * d];
            var xb = be.AllocMat(take, d);
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: n);
                task.Value = trainer.StepCount;
                for (int s = trainer.StepCount; s < n; s++)
                {
                    buffer.Batch(s, B, host);
                    be.CopyToDevice<float>(host, xb.Buf);
                    last = trainer.Step(xb);
                    task.Increment(1);
                    task.Description = $"training: mse {last.Mse:G3}, var. explained {1 - last.Mse / variance:P1}, L0 {last.L0:F1}, dead {last.DeadFraction:P0}";
                    if ((s + 1) % pr.GetValue(every) == 0 && s + 1 < n) trainer.SaveCheckpoint(checkpoint);
                }
            });
            xb.Buf.Dispose();
            var sae = trainer.ToSae($"blocks.{L}.hook_resid_pre", L, Path.GetFileName(Path.GetFullPath(dir)));
            SaeLensWriter.Save(scale == 1f ? sae : SaeScaling.Fold(sae, scale), pr.GetValue(outDir)!);
            File.Delete(checkpoint);
            string summary = last is null ? "already trained" : $"final mse {last.Mse:G4}, variance explained {1 - last.Mse / variance:P1}, L0 {last.L0:F1}, dead {last.DeadFraction:P1}";
            Console.WriteLine($"wrote {pr.GetValue(outDir)}: {pr.GetValue(arch)} SAE {d} -> {sae.DSae} on {rows} vectors of resid_pre[{L}]; {summary}");
            return 0;
        }));
        return cmd;
    }
}
