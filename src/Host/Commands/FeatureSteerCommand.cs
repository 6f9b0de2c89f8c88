using System.CommandLine;
using System.Text.Json;
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
        var cli = new PipelineCli();
        var layer = new Option<int>("--layer") { Description = "resid_pre layer", Required = true };
        var features = new Option<string?>("--features") { Description = "feature ids (comma list) or a features JSON; default: the union of the features kept in RUN/cleaned/*.L{layer}.json" };
        var scale = new Option<float>("--scale") { DefaultValueFactory = _ => 20f };
        var cmd = new Command("feature-steer", "Steer every task's zero-shot prompts with single SAE features: the task x feature matrix (METHOD.md §7)") { layer, features, scale };
        cli.AddTo(cmd);
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            using var ctx = cli.Open(pr);
            int L = pr.GetValue(layer);
            ctx.CheckLayer(L, "--layer");
            string runDir = pr.GetValue(cli.Run)!;
            int[] ids = pr.GetValue(features) is { } f ? FeatureLists.Parse(f) : FeatureLists.FromRun(runDir, L);
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
        if (ids.Any(i => i < 0 || i >= sae.DSae)) throw new ArgumentException($"a feature id is outside 0..{sae.DSae - 1}");
        var mat = ConsoleProgress.Run("feature steering", ctx.Prompts.Count * ids.Length, bar =>
            FeatureSteeringMatrix.Measure(ctx.Model, sae, layer, ctx.Prompts.Select(p => (p.Task.Name, p.Eval)).ToList(), ids, scale, ctx.NFirst, () => bar.Increment(1)));
        mat.Write(Path.Combine(runDir, "feature_steering"), $"L{layer}", "single-feature steering", ctx.Caption(layer, $", scale {scale}"));
        return mat;
    }
}

/// <summary>Feature id lists from the command line, a features JSON, or every cleaned vector of a run at one layer.</summary>
public static class FeatureLists
{
    public static int[] Parse(string s) => File.Exists(s) ? FromJson(s) : Cli.Parse.IntList(s, "--features");

    public static int[] FromJson(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.GetProperty("features").EnumerateArray().Select(e => e.GetProperty("id").GetInt32()).ToArray();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ArgumentException($"{path}: not a features JSON written by clean or sweep (needs \"features\": [{{\"id\": ...}}]): {e.Message}");
        }
    }

    public static int[] FromRun(string runDir, int layer)
    {
        var dir = Path.Combine(runDir, "cleaned");
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, $"*.L{layer}.json") : [];
        if (files.Length == 0) throw new ArgumentException($"no cleaned vectors at layer {layer} in {dir}: run `nativetv sweep` first or give --features");
        return files.SelectMany(FromJson).Distinct().Order().ToArray();
    }
}
