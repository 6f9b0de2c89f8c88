using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv feature-steer`: the task x feature steering matrix for the features cleaning kept (or given), as CSV and heatmaps.</summary>
public static class FeatureSteerCommand
{
    public static Command Create()
    {
        var cli = new PipelineCli();
        var layer = new Option<int>("--layer") { Description = "resid_pre layer", Required = true };
        var features = new Option<string?>("--features") { Description = "feature ids (comma list) or a features JSON; default: the union of the features kept in RUN/cleaned/*.L{layer}.json" };
        var scale = new Option<float>("--scale") { DefaultValueFactory = _ => 20f }.Finite();
        var cmd = new Command("feature-steer", "Steer every task's zero-shot prompts with single SAE features: the task x feature matrix (METHOD.md §7)") { layer, features, scale };
        cli.AddTo(cmd);
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            int[]? given = FeatureIds.Parse(pr.GetValue(features));
            using var folder = cli.OpenRun(pr, "feature-steer");
            using var ctx = cli.Open(pr);
            folder.RecordEnvironment(ctx.Backend);
            int L = pr.GetValue(layer);
            ctx.CheckLayer(L, "--layer");
            string runDir = pr.GetValue(cli.Run)!;
            int[] ids = FeatureLists.Resolve(given, runDir, L, ctx.Sae(L).Sae.DSae);
            var mat = ExperimentSteps.FeatureSteer(ctx, folder, L, ids, pr.GetValue(scale));
            Console.WriteLine($"wrote {folder.FeatureSteering}: {mat.Tasks.Length} tasks x {ids.Length} features (CSV, PNG, SVG)");
            return 0;
        }));
        return cmd;
    }
}
