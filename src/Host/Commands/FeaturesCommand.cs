using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using NativeTV.Host.Reports;
using NativeTV.TaskVectors.Cleaning;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv features`: after `sweep`, every feature experiment of METHOD.md §7 on its run folder, then the report:
/// the single-feature steering matrix at the layer the sweep cleaned at, task detectors and cross-layer reading one
/// layer earlier (where an SAE exists there; detectors act earlier than task features), the max-activating examples
/// of every kept feature, the feature claims (into claims.json beside the sweep's), and report.html. A step whose result
/// file exists is kept, so an interrupted run resumes.
/// </summary>
public static class FeaturesCommand
{
    public static Command Create()
    {
        var cli = new PipelineCli();
        var layer = new Option<int?>("--layer") { Description = "layer of the sweep's cleaned vectors to study (default: of the layers cleaned at, where the task vector works best on the cleaning prompts)" };
        var detectorLayer = new Option<int?>("--detector-layer") { Description = "default: one below --layer when an SAE exists there, else --layer" };
        var crossFrom = new Option<int?>("--cross-from") { Description = "clean there and read at --layer (default: one below --layer when an SAE exists there; -1 skips it)" };
        var scale = new Option<float>("--scale") { Description = "single-feature steering scale", DefaultValueFactory = _ => 20f }.Finite();
        var detectorScale = new Option<float>("--detector-scale") { Description = "detector matrix scale", DefaultValueFactory = _ => 25f }.Finite();
        var corpus = new Option<string?>("--corpus") { Description = "corpus for max-activating examples (default for the organism: MODEL/corpus.jsonl; other models skip them without one)" };
        var top = new Option<int>("--top") { Description = "max-activating examples per feature", DefaultValueFactory = _ => 20 }.AtLeast(1);
        var restart = new Option<bool>("--restart") { Description = "redo the steps whose results exist" };
        var cmd = new Command("features", "After `sweep`: feature steering, detectors, cross-layer reading, max-activating examples and the HTML report (METHOD.md §7)")
        { layer, detectorLayer, crossFrom, scale, detectorScale, corpus, top, restart };
        cli.AddTo(cmd);
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            string run = pr.GetValue(cli.Run)!;
            if (!Directory.Exists(Path.Combine(run, "cleaned"))) throw new ArgumentException($"{run}: no cleaned/ folder; run `nativetv sweep --out {run}` first");
            using var folder = cli.OpenRun(pr, "features");
            bool redo = pr.GetValue(restart);
            if (redo) folder.Clear(RunFolder.FeatureOutputs);
            using var ctx = cli.Open(pr);
            folder.RecordEnvironment(ctx.Backend);
            int L = pr.GetValue(layer) ?? DefaultLayer(run);
            ctx.CheckLayer(L, "--layer");
            bool saeBelow = L > 0 && Directory.Exists(ctx.SaeDir(L - 1));
            int detL = pr.GetValue(detectorLayer) ?? (saeBelow ? L - 1 : L);
            int? from = pr.GetValue(crossFrom) is { } f ? (f < 0 ? null : f) : saeBelow ? L - 1 : null;
            ctx.CheckLayer(detL, "--detector-layer");

            void Step(string name, string result, Action work)
            {
                if (!redo && File.Exists(result)) { Console.WriteLine($"{name}: {result} exists, kept (--restart redoes it)"); return; }
                Console.WriteLine($"{name}:");
                work();
            }
            Step($"feature steering at layer {L}", Path.Combine(folder.FeatureSteering, $"relative_change.L{L}.csv"),
                () => ExperimentSteps.FeatureSteer(ctx, folder, L, FeatureLists.FromRun(run, L), pr.GetValue(scale)));
            Step($"task detectors at layer {detL}", Path.Combine(folder.Detectors, $"summary.L{detL}.csv"),
                () => ExperimentSteps.Detectors(ctx, folder, detL, CleaningRecipes.DetectorsOf(ctx.Manifest), pr.GetValue(detectorScale)));
            if (from is int a)
                Step($"cross-layer reading, layer {a} to {L}", Path.Combine(folder.CrossLayer, $"summary.L{a}-L{L}.csv"),
                    () => ExperimentSteps.CrossLayer(ctx, folder, a, L, CleaningRecipes.Of(ctx.Manifest)));

            string? corpusPath = ctx.Corpus(pr.GetValue(corpus));
            if (corpusPath is null) Console.WriteLine("max-activating examples: skipped, no --corpus given");
            else
                foreach (int l in new[] { L, detL }.Distinct())
                {
                    var ids = (l == L ? FeatureLists.FromRun(run, L) : [])
                        .Union(l == detL ? FeatureLists.FromFolder(Path.Combine(folder.Detectors, "cleaned"), detL, "the detectors step wrote none") : []).Order().ToArray();
                    Step($"max-activating examples at layer {l}", Path.Combine(folder.MaxAct, $"maxact.L{l}.json"),
                        () => ExperimentSteps.MaxAct(ctx, folder, l, ids, corpusPath, new MaxActOptions(Top: pr.GetValue(top))));
                }
            Claims.Write(run, Claims.FeaturesPart, FeatureClaims.Measure(folder.FeatureSteering, folder.Cleaned, folder.Detectors, L, detL, ctx.Manifest.MeanExcludes));
            ClaimsTable.Write(run, Claims.FeaturesPart);
            Console.WriteLine($"wrote {HtmlReport.Write(run)}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>
    /// The layer to study: the one layer the run cleaned at, or of several the one where the plain task vector works
    /// best (lowest mean loss over tasks on the cleaning prompts, <see cref="BestLayer"/>), where the post studies its features.
    /// </summary>
    private static int DefaultLayer(string run)
    {
        var layers = Directory.GetFiles(Path.Combine(run, "cleaned"), "*.json")
            .Select(p => CleanedVectorFiles.LayerOf(Path.GetFileName(p))).OfType<int>().Distinct().Order().ToList();
        if (layers.Count == 0) throw new ArgumentException($"{run}/cleaned holds no cleaned vectors: run `nativetv sweep --out {run}` first");
        if (layers.Count == 1) return layers[0];
        var cells = ResultsLog.Read(Path.Combine(run, "results.jsonl")).Where(c => layers.Contains(c.Layer));
        var best = BestLayer.Of(cells) ?? throw new ArgumentException($"{run}/results.jsonl has no task-vector score at the layers cleaned at ({string.Join(", ", layers)}): give --layer");
        Console.WriteLine($"layer {best.Layer}: of the layers cleaned at ({string.Join(", ", layers)}), the one where the task vector works best, {BestLayer.How(best)} (--layer picks another)");
        return best.Layer;
    }
}
