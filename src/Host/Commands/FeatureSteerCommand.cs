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
            using var folder = cli.OpenRun(pr, "feature-steer");
            using var ctx = cli.Open(pr);
            int L = pr.GetValue(layer);
            ctx.CheckLayer(L, "--layer");
            string runDir = pr.GetValue(cli.Run)!;
            int[] ids = FeatureLists.Resolve(FeatureIds.Parse(pr.GetValue(features)), runDir, L, ctx.Sae(L).Sae.DSae);
            var mat = Run(ctx, L, ids, pr.GetValue(scale), runDir);
            Console.WriteLine($"wrote {Path.Combine(runDir, "feature_steering")}: {mat.Tasks.Length} tasks x {ids.Length} features (CSV, PNG, SVG)");
            return 0;
        }));
        return cmd;
    }

    /// <summary>The matrix on every task's zero-shot evaluation prompts, written into RUN/feature_steering/.</summary>
    public static FeatureSteeringMatrix Run(PipelineContext ctx, int layer, int[] ids, float scale, string runDir)
    {
        var sae = ctx.Sae(layer).Sae;
        FeatureLists.InRange(ids, sae.DSae);
        var mat = ConsoleProgress.Run("feature steering", ctx.Prompts.Count * ids.Length, bar =>
            FeatureSteeringMatrix.Measure(ctx.Model, sae, layer, ctx.Prompts.Select(p => (p.Task.Name, p.Eval)).ToList(), ids, scale, ctx.NFirst, () => bar.Increment(1)));
        mat.Write(Path.Combine(runDir, "feature_steering"), $"L{layer}", "single-feature steering", ctx.Caption(layer, $", scale {scale}"));
        return mat;
    }
}
