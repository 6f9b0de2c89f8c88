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
        var layer = new Option<int>("--layer") { Description = "train on resid_pre[L]", Required = true };
        var corpus = new Option<string>("--corpus") { Description = "plain text (a document per line) or .jsonl with a \"text\" field", Required = true };
        var outDir = new Option<string>("--out") { Description = "SAE folder to write (SAELens layout)", Required = true };
        var arch = new Option<string>("--arch") { Description = "relu (gated training is not written yet)", DefaultValueFactory = _ => "relu" };
        var expansion = new Option<int>("--expansion") { Description = "d_sae = expansion x d_model", DefaultValueFactory = _ => 16 };
        var l1 = new Option<float>("--l1") { DefaultValueFactory = _ => 1f };
        var lr = new Option<float>("--lr") { DefaultValueFactory = _ => 1e-3f };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 4000 };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 1024 };
        var warmup = new Option<int>("--l1-warmup") { Description = "steps over which the L1 coefficient ramps up", DefaultValueFactory = _ => 500 };
        var context = new Option<int>("--context") { Description = "tokens per context (BOS included, BOS positions left out)", DefaultValueFactory = _ => 64 };
        var maxVectors = new Option<int>("--max-vectors") { Description = "vectors harvested into the in-memory shuffle buffer", DefaultValueFactory = _ => 300_000 };
        var normalize = new Option<bool>("--normalize") { Description = "scale inputs so their mean squared norm is d_in (folded into the saved weights)" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var every = new Option<int>("--checkpoint-every") { Description = "steps between checkpoints (OUT.checkpoint.safetensors); a rerun resumes from it", DefaultValueFactory = _ => 500 };
        var restart = new Option<bool>("--restart") { Description = "ignore an existing checkpoint" };
        var cmd = new Command("train", "Train a ReLU SAE on a model's residual stream")
        { model, device, layer, corpus, outDir, arch, expansion, l1, lr, steps, batch, warmup, context, maxVectors, normalize, seed, every, restart };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            if (pr.GetValue(arch) != "relu") throw new ArgumentException($"--arch {pr.GetValue(arch)}: only relu training is written so far");
            string dir = pr.GetValue(model)!;
            int L = pr.GetValue(layer);
            using var be = CommonOptions.CreateBackend(pr.GetValue(device)!);
            using var m = TransformerModel.Load(dir, be);
            if (L < 0 || L > m.Config.Layers) throw new ArgumentException($"--layer {L} is outside 0..{m.Config.Layers}");
            int d = m.Config.HiddenSize, B = pr.GetValue(batch), n = pr.GetValue(steps);
            float[] x = [];
            AnsiConsole.Progress().Start(ctx =>
            {
                var task = ctx.AddTask($"harvesting resid_pre[{L}]", maxValue: pr.GetValue(maxVectors));
                x = ActivationHarvester.Harvest(m, TokenizerLoader.Load(dir), pr.GetValue(corpus)!, L, pr.GetValue(context), pr.GetValue(maxVectors),
                    seed: pr.GetValue(seed), progress: c => task.Value = c);
                task.Value = task.MaxValue;
            });
            int rows = x.Length / d;
            double meanSq = 0;
            for (int i = 0; i < x.Length; i++) meanSq += (double)x[i] * x[i];
            meanSq /= rows;
            float scale = pr.GetValue(normalize) ? (float)Math.Sqrt(d / meanSq) : 1f;
            if (scale != 1f) for (int i = 0; i < x.Length; i++) x[i] *= scale;
            double variance = TotalVariance(x, d);

            using var trainer = new ReluSaeTrainer(be, d, new SaeTrainOptions(pr.GetValue(expansion) * d, pr.GetValue(l1), pr.GetValue(lr), pr.GetValue(warmup), Seed: pr.GetValue(seed)));
            // The harvest is deterministic (same corpus, seed, model), so a checkpoint's step continues the same run.
            string checkpoint = Path.GetFullPath(pr.GetValue(outDir)!).TrimEnd('/') + ".checkpoint.safetensors";
            if (File.Exists(checkpoint) && !pr.GetValue(restart))
            {
                trainer.LoadCheckpoint(checkpoint);
                Console.WriteLine($"resuming from {checkpoint} at step {trainer.StepCount}");
            }
            SaeStepStats last = null!;
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: n);
                task.Value = trainer.StepCount;
                for (int s = trainer.StepCount; s < n; s++)
                {
                    int r0 = (int)((long)s * B % Math.Max(1, rows - B + 1));
                    int take = Math.Min(B, rows);
                    var xb = be.UploadMat(x.AsSpan(r0 * d, take * d).ToArray(), take, d);
                    last = trainer.Step(xb);
                    xb.Buf.Dispose();
                    task.Increment(1);
                    task.Description = $"training: mse {last.Mse:G3}, var. explained {1 - last.Mse / variance:P1}, L0 {last.L0:F1}, dead {last.DeadFraction:P0}";
                    if ((s + 1) % pr.GetValue(every) == 0 && s + 1 < n) trainer.SaveCheckpoint(checkpoint);
                }
            });
            var sae = trainer.ToSae($"blocks.{L}.hook_resid_pre", L, Path.GetFileName(Path.GetFullPath(dir)));
            SaeLensWriter.Save(scale == 1f ? sae : SaeScaling.Fold(sae, scale), pr.GetValue(outDir)!);
            File.Delete(checkpoint);
            string summary = last is null ? "already trained" : $"final mse {last.Mse:G4}, variance explained {1 - last.Mse / variance:P1}, L0 {last.L0:F1}, dead {last.DeadFraction:P1}";
            Console.WriteLine($"wrote {pr.GetValue(outDir)}: relu SAE {d} -> {sae.DSae} on {rows} vectors of resid_pre[{L}]; {summary}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>Sum over dims of the variance: the mse of predicting every vector by the mean.</summary>
    private static double TotalVariance(float[] x, int d)
    {
        int n = x.Length / d;
        var mean = new double[d];
        for (int r = 0; r < n; r++) for (int i = 0; i < d; i++) mean[i] += x[r * d + i];
        double v = 0;
        for (int r = 0; r < n; r++) for (int i = 0; i < d; i++) { double e = x[r * d + i] - mean[i] / n; v += e * e; }
        return v / n;
    }
}
