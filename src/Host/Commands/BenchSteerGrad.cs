using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Transformer.Model;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv bench steer-grad`: a batch of prompts as cleaning uses them (steering at one position
/// per prompt, loss on the next two tokens): forward only vs forward + backward to resid_pre[L].
/// </summary>
public static class BenchSteerGrad
{
    public static Command Create()
    {
        var shape = new BenchCommand.ShapeOptions();
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 24 }.AtLeast(1);
        var tokens = new Option<int>("--tokens") { Description = "tokens per prompt", DefaultValueFactory = _ => 40 }.AtLeast(3);
        var layer = new Option<int>("--layer") { Description = "steered layer (the backward runs down to it)", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var cmd = new Command("steer-grad", "Forward-only vs forward+backward time of the steering gradient") { batch, tokens, layer };
        shape.AddTo(cmd);
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            int B = pr.GetValue(batch), T = pr.GetValue(tokens), L = pr.GetValue(layer), n = pr.GetValue(shape.Reps);
            var cfg = shape.Config(pr, T);
            using var be = shape.CreateBackend(pr);
            using var model = BenchCommand.RandomModelOn(be, cfg);
            var p = BenchCommand.CleaningBatch(cfg, B, T, L);
            var steer = new HookAdd(new(HookPoint.ResidPre, L), p.Rows, new float[cfg.HiddenSize]);
            var fwdReq = new ForwardRequest { Tokens = p.Tokens, Adds = [steer], LogitRows = p.Targets.Select(t => t.Row).ToArray() };
            double fwd = BenchCommand.Median(n, () => model.Forward(fwdReq));
            double both = BenchCommand.MedianProfiled(be, n, () => model.SteerGrad(p.Tokens, steer, p.Targets), "per forward + backward");
            long saved = TransformerModel.SteerGradBytes(cfg, B, T, L);
            BenchCommand.Print([
                ($"forward ({B} x {T} tokens)", $"{fwd * 1e3:F1} ms"),
                ($"forward + backward to resid_pre[{L}]", $"{both * 1e3:F1} ms"),
                ("ratio (target <= 3)", $"{both / fwd:F2}"),
                ("activation memory of forward + backward", InfoCommand.Bytes(saved)),
            ]);
            return 0;
        }));
        return cmd;
    }
}
