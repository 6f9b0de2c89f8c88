using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Host.Experiments;
using NativeTV.Host.Reports;
using NativeTV.Sae.Formats;
using NativeTV.Transformer.Model;
using NativeTV.Transformer.Organism;
using NativeTV.Transformer.TaskVectors;
using NativeTV.Transformer.Tokenization;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv feature-steer`: the task x feature steering matrix for the features cleaning kept (or given), as CSV and heatmaps.</summary>
public static class FeatureSteerCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var tasks = CommonOptions.Tasks();
        var sae = new Option<string?>("--sae") { Description = "SAE folder (default for the organism: MODEL/sae-l{layer})" };
        var layer = new Option<int>("--layer") { Description = "resid_pre layer", Required = true };
        var features = new Option<string?>("--features") { Description = "feature ids (comma list) or a features JSON; default: the union of the features kept in RUN/cleaned/*.L{layer}.json" };
        var run = new Option<string>("--run") { Description = "sweep run folder to read cleaned features from and write into", DefaultValueFactory = _ => "runs/sweep" };
        var scale = new Option<float>("--scale") { DefaultValueFactory = _ => 20f };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var cmd = new Command("feature-steer", "Steer every task's zero-shot prompts with single SAE features: the task x feature matrix (METHOD.md §7)")
        { model, device, tasks, sae, layer, features, run, scale, seed };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            string dir = CommonOptions.ModelDir(pr, model), runDir = pr.GetValue(run)!;
            int L = pr.GetValue(layer);
            var taskList = CommonOptions.LoadTasks(pr, tasks);
            using var be = CommonOptions.CreateBackend(pr.GetValue(device)!);
            using var m = TransformerModel.Load(dir, be);
            var tokenizer = TokenizerLoader.Load(dir);
            string saeDir = CommonOptions.SaeDir(pr.GetValue(sae), dir, tokenizer, L);
            var s = SaeLoader.Load(saeDir, m.Config.HiddenSize);
            int[] ids = FeatureLists.Resolve(pr.GetValue(features), runDir, L, s.DSae);
            var builder = new PromptBuilder(tokenizer, PromptOptions.For(tokenizer) with { Seed = pr.GetValue(seed) });
            var prompts = taskList.Select(t => builder.Build(t)).ToList();
            FeatureSteeringMatrix mat = null!;
            AnsiConsole.Progress().Start(ctx =>
            {
                var bar = ctx.AddTask("feature steering", maxValue: prompts.Count * ids.Length);
                mat = FeatureSteeringMatrix.Measure(m, s, L, prompts, ids, pr.GetValue(scale), builder.Options.NFirst, () => bar.Increment(1));
            });
            string outDir = Path.Combine(runDir, "feature_steering");
            Directory.CreateDirectory(outDir);
            mat.WriteCsv(Path.Combine(outDir, $"relative_change.L{L}.csv"), mat.RelativeChange);
            mat.WriteCsv(Path.Combine(outDir, $"normalised_decrease.L{L}.csv"), mat.NormalisedDecrease);
            string caption = $"{Path.GetFileName(Path.GetFullPath(dir))}, SAE {Path.GetFileName(Path.GetFullPath(saeDir))}, layer {L}, scale {pr.GetValue(scale)}";
            var cols = ids.Select(i => $"f{i}").ToArray();
            Figures.Heatmap(Path.Combine(outDir, $"relative_change.L{L}"), "single-feature steering: relative loss change", caption, mat.Tasks, cols, mat.RelativeChange, "(loss - base) / base");
            Figures.Heatmap(Path.Combine(outDir, $"normalised_decrease.L{L}"), "single-feature steering: normalised loss decrease", caption, mat.Tasks, cols, mat.NormalisedDecrease, "decrease / feature's max");
            Console.WriteLine($"wrote {outDir}: {mat.Tasks.Length} tasks x {ids.Length} features (CSV, PNG, SVG)");
            return 0;
        }));
        return cmd;
    }
}
