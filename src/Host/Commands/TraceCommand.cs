using NativeTV.Transformer.Files;
using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv trace`: one sequence through the model, writing float32 `logits` [T, V] and
/// `resid_pre` [n_layers + 1, T, d] (steered when steering is given). Scripts rely on this interface.
/// </summary>
public static class TraceCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var input = new ModelInput();
        var steering = new SteeringOptions();
        var outPath = new Option<string>("--out") { Description = "output safetensors file", Required = true };
        var targets = new Option<string?>("--targets")
        {
            Description = "positions t: also write `nll` [1], the mean over t of -log p(token[t+1] | tokens <= t), and with --steer-layer `steer_grad` [d] = d nll / d vector",
        };
        var cmd = new Command("trace", "Run one sequence and save its logits and residual stream") { model, device, threads, outPath, targets };
        input.AddTo(cmd);
        steering.AddTo(cmd);
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            CommonOptions.UseThreads(pr, threads);
            string dir = CommonOptions.ModelDir(pr, model);
            OutputPath.CheckFile(pr.GetValue(outPath)!, "--out");
            using var be = CommonOptions.CreateBackend(pr.GetValue(device)!);
            using var m = TransformerModel.Load(dir, be);
            var c = m.Config;
            var ids = input.Tokens(pr, dir, c);
            int T = ids.Length;
            var steer = steering.Build(pr, c, T);
            var all = Enumerable.Range(0, T).ToArray();
            var r = m.Forward(new ForwardRequest
            {
                Tokens = TokenBatch.Single(ids),
                Reads = Enumerable.Range(0, c.Layers + 1).Select(l => new HookRead(new(HookPoint.ResidPre, l), all)).ToArray(),
                Adds = steer is null ? [] : [steer],
                LogitRows = all,
            });
            var resid = Enumerable.Range(0, c.Layers + 1).SelectMany(l => r.Reads[new(HookPoint.ResidPre, l)]).ToArray();
            var file = new SafetensorsWriter()
                .AddMetadata("model", Path.GetFullPath(dir)).AddMetadata("device", be.Name)
                .Add("ids", ids, [T])
                .Add("logits", r.Logits, [T, c.VocabSize])
                .Add("resid_pre", resid, [c.Layers + 1, T, c.HiddenSize]);
            string written = $"logits [{T},{c.VocabSize}], resid_pre [{c.Layers + 1},{T},{c.HiddenSize}]";
            if (pr.GetValue(targets) is { } tlist)
            {
                var tokens = TokenBatch.Single(ids);
                var loss = LossTargets.MeanOverPositions(tokens, Parse.IntList(tlist, "--targets").Select(t => (0, t)).ToArray());
                // Without steering, a zero vector at resid_pre[n_layers] gives the loss with a backward through the head only.
                var g = m.SteerGrad(tokens, steer ?? new HookAdd(new(HookPoint.ResidPre, c.Layers), [0], new float[c.HiddenSize]), loss);
                file.Add("nll", [(float)g.Loss], [1]);
                written += ", nll [1]";
                if (steer != null) { file.Add("steer_grad", g.Gradient, [c.HiddenSize]); written += $", steer_grad [{c.HiddenSize}]"; }
            }
            file.Write(pr.GetValue(outPath)!);
            Console.WriteLine($"wrote {pr.GetValue(outPath)}: {written} ({be.Name})");
            return 0;
        }));
        return cmd;
    }
}
