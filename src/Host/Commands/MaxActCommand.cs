using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Host.Experiments;
using NativeTV.Host.Reports;
using NativeTV.Sae;
using NativeTV.Sae.Formats;
using NativeTV.Sae.Training;
using NativeTV.Transformer.Model;
using NativeTV.Transformer.Tokenization;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv maxact`: each feature's max-activating examples over a corpus, as JSON and an HTML page.</summary>
public static class MaxActCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var sae = new Option<string?>("--sae") { Description = "SAE folder (default for the organism: MODEL/sae-l{layer})" };
        var layer = new Option<int>("--layer") { Description = "resid_pre layer", Required = true };
        var corpus = new Option<string?>("--corpus") { Description = "plain text (a document per line) or .jsonl with a \"text\" field; default for the organism: MODEL/corpus.jsonl" };
        var features = new Option<string?>("--features") { Description = "feature ids (comma list) or a features JSON; default: the union of the features kept in RUN/cleaned/*.L{layer}.json" };
        var top = new Option<int>("--top") { Description = "examples per feature (at most one per context)", DefaultValueFactory = _ => 20 };
        var window = new Option<int>("--window") { Description = "tokens shown before the activating token (4 after it)", DefaultValueFactory = _ => 8 };
        var context = new Option<int>("--context") { Description = "tokens per context (BOS included, BOS positions left out)", DefaultValueFactory = _ => 64 };
        var maxContexts = new Option<int?>("--max-contexts") { Description = "stop after this many contexts (default: the whole corpus)" };
        var run = new Option<string>("--run") { Description = "run folder to read cleaned features from and write maxact/ into", DefaultValueFactory = _ => "runs/sweep" };
        var cmd = new Command("maxact", "Each feature's max-activating examples over a corpus (METHOD.md §7), as JSON and an HTML page")
        { model, device, sae, layer, corpus, features, top, window, context, maxContexts, run };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            string dir = CommonOptions.ModelDir(pr, model), runDir = pr.GetValue(run)!;
            int L = pr.GetValue(layer);
            using var be = CommonOptions.CreateBackend(pr.GetValue(device)!);
            using var m = TransformerModel.Load(dir, be);
            var tokenizer = TokenizerLoader.Load(dir);
            string corpusPath = CommonOptions.Corpus(pr.GetValue(corpus), dir, tokenizer);
            using var s = new DeviceSae(SaeLoader.Load(CommonOptions.SaeDir(pr.GetValue(sae), dir, tokenizer, L), m.Config.HiddenSize), be);
            int[] ids = FeatureLists.Resolve(pr.GetValue(features), runDir, L, s.Sae.DSae);
            var o = new MaxActOptions(Top: pr.GetValue(top), Window: pr.GetValue(window), Context: pr.GetValue(context),
                MaxContexts: pr.GetValue(maxContexts) ?? int.MaxValue);
            // Counting the contexts costs a tokenisation of the corpus, little beside the forwards, and gives the bar its end.
            int total = ActivationHarvester.Contexts(tokenizer, corpusPath, o.Context).Take(o.MaxContexts).Count();
            MaxActResult r = null!;
            AnsiConsole.Progress().Start(ctx =>
            {
                var bar = ctx.AddTask("max-activating examples", maxValue: Math.Max(total, 1));
                r = MaxActivations.Collect(m, s, tokenizer, corpusPath, L, ids, o, n => bar.Value = n);
            });
            string outDir = Path.Combine(runDir, "maxact");
            Directory.CreateDirectory(outDir);
            r.WriteJson(Path.Combine(outDir, $"maxact.L{L}.json"));
            MaxActHtml.Write(Path.Combine(outDir, $"maxact.L{L}.html"), r);
            Console.WriteLine($"wrote {outDir}: {ids.Length} features over {r.Contexts} contexts ({r.Tokens} tokens)");
            return 0;
        }));
        return cmd;
    }
}
