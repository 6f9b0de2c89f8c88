using NativeTV.TaskVectors;
using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using NativeTV.Host.Reports;
using NativeTV.Sae.Training;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv maxact`: each feature's max-activating examples over a corpus, as JSON and an HTML page.</summary>
public static class MaxActCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var sae = new Option<string?>("--sae") { Description = "SAE folder (default for the organism: MODEL/sae-l{layer})" };
        var layer = new Option<int>("--layer") { Description = "resid_pre layer", Required = true };
        var corpus = new Option<string?>("--corpus") { Description = "plain text (a document per line) or .jsonl with a \"text\" field; default for the organism: MODEL/corpus.jsonl" };
        var features = new Option<string?>("--features") { Description = "feature ids (comma list) or a features JSON; default: the union of the features kept in RUN/cleaned/*.L{layer}.json" };
        var top = new Option<int>("--top") { Description = "examples per feature (at most one per context)", DefaultValueFactory = _ => 20 }.AtLeast(1);
        var window = new Option<int>("--window") { Description = "tokens shown before the activating token (4 after it)", DefaultValueFactory = _ => 8 }.AtLeast(0);
        var context = new Option<int>("--context") { Description = "tokens per context (BOS included, BOS positions left out)", DefaultValueFactory = _ => 64 }.AtLeast(2);
        var maxContexts = new Option<int?>("--max-contexts") { Description = "stop after this many contexts (default: the whole corpus)" }.AtLeast(1);
        var run = new Option<string>("--run") { Description = "run folder to read cleaned features from and write maxact/ into", DefaultValueFactory = _ => "runs/sweep" };
        var cmd = new Command("maxact", "Each feature's max-activating examples over a corpus (METHOD.md §7), as JSON and an HTML page")
        { model, device, threads, sae, layer, corpus, features, top, window, context, maxContexts, run };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            CommonOptions.UseThreads(pr, threads);
            string runDir = pr.GetValue(run)!;
            int[]? given = FeatureIds.Parse(pr.GetValue(features));
            using var folder = RunFolder.Open(runDir, "--run", "maxact");
            int L = pr.GetValue(layer);
            using var ctx = PipelineContext.Open(CommonOptions.ModelDir(pr, model), pr.GetValue(device)!, [], pr.GetValue(sae), 0);
            folder.RecordEnvironment(ctx.Backend);
            ctx.CheckLayer(L, "--layer");
            string corpusPath = ctx.Corpus(pr.GetValue(corpus)) ?? throw new ArgumentException($"--corpus is required: {ctx.ModelDir} has no {ModelManifest.FileName} naming a corpus");
            int[] ids = FeatureLists.Resolve(given, runDir, L, ctx.Sae(L).Sae.DSae);
            var o = new MaxActOptions(Top: pr.GetValue(top), Window: pr.GetValue(window), Context: pr.GetValue(context),
                MaxContexts: pr.GetValue(maxContexts) ?? int.MaxValue);
            var r = ExperimentSteps.MaxAct(ctx, folder, L, ids, corpusPath, o);
            Console.WriteLine($"wrote {folder.MaxAct}: {ids.Length} features over {r.Contexts} contexts ({r.Tokens} tokens)");
            return 0;
        }));
        return cmd;
    }
}
