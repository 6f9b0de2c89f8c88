using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Transformer.Model;
using NativeTV.Transformer.Tokenization;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv generate`: greedy decoding, optionally steered at prompt positions.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var input = new ModelInput();
        var steering = new SteeringOptions();
        var maxNew = new Option<int>("--max-new-tokens") { Description = "tokens to generate", DefaultValueFactory = _ => 20 }.AtLeast(0);
        var cmd = new Command("generate", "Greedy decoding, with optional steering at prompt positions") { model, device, threads, maxNew };
        input.AddTo(cmd);
        steering.AddTo(cmd);
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            CommonOptions.UseThreads(pr, threads);
            string dir = CommonOptions.ModelDir(pr, model);
            using var be = CommonOptions.CreateBackend(pr.GetValue(device)!);
            using var m = TransformerModel.Load(dir, be);
            var prompt = input.Tokens(pr, dir, m.Config);
            var steer = steering.Build(pr, m.Config, prompt.Length);
            var generated = Generate(m, prompt, pr.GetValue(maxNew), steer);
            ITextTokenizer? tok = TokenizerLoader.Exists(dir) ? TokenizerLoader.Load(dir) : null;
            Console.WriteLine(tok is null ? string.Join(",", generated) : tok.Decode(prompt.Concat(generated)));
            return 0;
        }));
        return cmd;
    }

    /// <summary>
    /// Greedy continuation. Each step reruns the whole sequence (no KV cache): generation is a
    /// convenience for looking at steering effects, not a serving path.
    /// </summary>
    public static List<int> Generate(TransformerModel m, int[] prompt, int maxNew, HookAdd? steer)
    {
        var seq = prompt.ToList();
        var outTokens = new List<int>();
        for (int i = 0; i < maxNew; i++)
        {
            var r = m.Forward(new ForwardRequest { Tokens = TokenBatch.Single(seq), Adds = steer is null ? [] : [steer], LogitRows = [seq.Count - 1] });
            int next = 0;
            for (int v = 1; v < r.Logits.Length; v++) if (r.Logits[v] > r.Logits[next]) next = v;
            seq.Add(next);
            outTokens.Add(next);
            if (m.Config.EosTokenIds.Contains(next)) break;
        }
        return outTokens;
    }
}
