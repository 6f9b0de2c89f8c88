using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv info --model DIR`: what a checkpoint is and what running it costs.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var cmd = new Command("info", "Show a checkpoint's architecture, sizes and memory needs") { model };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            using var ck = Checkpoint.Open(CommonOptions.ModelDir(pr, model));
            ck.CheckAll();
            var c = ck.Config;
            var dt = ck.StoredDType;
            long weights = c.ParameterCount * NativeTV.Kernels.DTypes.Size(dt);
            var t = TextTable.Create("field", "value");
            void Row(string k, object v) => t.AddText(k, $"{v}");
            Row("folder", ck.Dir);
            Row("architecture", c.Arch == Architecture.Gemma ? "gemma (Gemma 1)" : "phi3 (Phi-3)");
            Row("layers", c.Layers);
            Row("d_model", c.HiddenSize);
            Row("heads", c.Heads);
            Row("kv heads", c.KvHeads);
            Row("head_dim", c.HeadDim);
            Row("rotary dims", c.RotaryDim + (c.LongRope is { } lr ? $" (longrope, original max positions {lr.OriginalMaxPositions})" : ""));
            Row("sliding window", c.SlidingWindow > 0 ? c.SlidingWindow : "none");
            Row("d_mlp", c.IntermediateSize);
            Row("vocab", c.VocabSize);
            Row("tied lm_head", c.TieWordEmbeddings);
            Row("dtype (stored)", dt);
            Row("parameters", $"{c.ParameterCount:N0}");
            Row("weights in memory", Bytes(weights) + " (kept in the stored dtype on every backend)");
            Row("activations, 1 x 1024 tokens", Bytes(TransformerModel.ActivationBytes(c, 1, 1024)));
            Row("activations, 24 x 40 tokens", Bytes(TransformerModel.ActivationBytes(c, 24, 40)));
            Row("steering gradient, 24 x 40 tokens, from resid_pre[0]", Bytes(TransformerModel.SteerGradBytes(c, 24, 40, 0)) + " + weights");
            Row("steering gradient, 1 x 4096 tokens, from resid_pre[0]", Bytes(TransformerModel.SteerGradBytes(c, 1, 4096, 0)) + " + weights (linear in tokens: flash attention)");
            Row("BLAS (cpu backend)", NativeTV.Kernels.Cpu.BlasInfo.Current?.ToString() ?? "OpenBLAS not found: apt-get install libopenblas0-pthread");
            AnsiConsole.Write(t);
            return 0;
        }));
        return cmd;
    }

    public static string Bytes(long b) => b >= 1L << 30 ? $"{b / (double)(1L << 30):F2} GiB" : $"{b / (double)(1 << 20):F1} MiB";
}
