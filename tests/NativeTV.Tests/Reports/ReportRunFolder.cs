using System.Text.Json;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using NativeTV.Host.Reports;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Steering;

namespace NativeTV.Tests.Reports;

/// <summary>
/// A small run folder in the real formats, written by the writers sweep and feature-steer use (results, figures,
/// cleaned vectors, steering matrix), with a maxact file in its documented schema and a folder of other results.
/// </summary>
public static class ReportRunFolder
{
    public static readonly string[] Tasks = ["antonym", "copy"];
    public const int Layer = 1;
    public static readonly int[] Features = [7, 12];
    public static readonly string[] Tokens = ["<bos>", "hot", "->", "a&b", "\"q\"", ";"];

    /// <summary>settings.json and results.csv only: the least a report needs.</summary>
    public static string Minimal()
    {
        string run = Fixtures.TempDir();
        File.WriteAllText(Path.Combine(run, "settings.json"), JsonSerializer.Serialize(new Dictionary<string, string>
            { ["model"] = "weights/organism", ["tasks"] = "built-in organism", ["layers"] = "0,1", ["sae"] = "weights/organism/sae-l{layer}", ["l1"] = "0.05" }));
        var log = new ResultsLog(Path.Combine(run, "results.jsonl"));
        foreach (var cell in Cells()) log.Append(cell);
        log.WriteCsv(Path.Combine(run, "results.csv"));
        return run;
    }

    /// <summary>Every part of a run; <paramref name="failedTask"/>'s cleaning keeps no features.</summary>
    public static string Full(string? failedTask = null)
    {
        string run = Minimal();
        var cells = Cells();
        SweepFigures.Write(Path.Combine(run, "figures"), cells, "test run");
        SweepFigures.Specificity(Path.Combine(run, "figures"), cells, "test run");
        foreach (var task in Tasks)
        {
            var kept = task == failedTask ? [] : Features.Select((id, i) => new CleanedFeature(id, 2f - i, 1.5f)).ToList();
            var r = new CleaningResult(new float[8], kept, [new StepRecord(0, 1.0, 0.1, 2)], 5, BestStep: 0);
            var spec = Enumerable.Range(0, 16).Select(i => i / 16.0).ToArray();
            CleanedVectorFiles.Write(Path.Combine(run, "cleaned"), $"{task}.L{Layer}", r,
                new Dictionary<string, string> { ["model"] = "organism", ["sae"] = "sae-l1", ["task"] = task, ["layer"] = $"{Layer}" },
                new { eval = new MethodScore(0.4, 0.9, 2), tv = new MethodScore(0.5, 0.8) }, spec);
        }
        var matrix = new FeatureSteeringMatrix(Tasks, Features, new double[,] { { -0.5, 0.1 }, { 0.2, -0.3 } }, new double[,] { { 1, 0 }, { 0, 1 } });
        matrix.Write(Path.Combine(run, "feature_steering"), $"L{Layer}", "single-feature steering", "test run");
        string det = Path.Combine(run, "detectors");
        Directory.CreateDirectory(det);
        matrix.Write(det, $"L{Layer}", "detector-feature steering", "test run");
        Claims.Write(run, Claims.SweepPart, [new Claim("the task vector lowers the zero-shot loss", "loss(tv) - loss(zero_shot)", -0.5, [-0.6, -0.4], "holds if below 0", "holds"),
            new Claim("cleaning keeps a few features", "loss(cleaned) - loss(tv)", 0.2, [0.1, 0.3], "holds if below 0.05", "not")]);
        // Wider than any window: its table must scroll in its box, not the page.
        File.WriteAllLines(Path.Combine(det, "wide.csv"), [string.Join(",", Enumerable.Range(0, 60).Select(i => $"feature_{i}")), string.Join(",", Enumerable.Range(0, 60))]);
        File.WriteAllLines(Path.Combine(det, "auc.csv"), ["feature,auc", "7,0.91", "12,0.55", "3,0.7"]);
        Figures.Lines(Path.Combine(det, "roc"), "roc", "test run", "fpr", "tpr", [("f7", [0.0, 1.0], [0.0, 1.0], null, null)]);
        Directory.CreateDirectory(Path.Combine(run, "maxact"));
        File.WriteAllText(Path.Combine(run, "maxact", $"maxact.L{Layer}.json"), JsonSerializer.Serialize(new
        {
            model = "organism", sae = "sae-l1", layer = Layer, corpus = "corpus.jsonl", contexts = 10, tokens = 60,
            features = Features.Select(id => new
            {
                id, max = 3.0, count = 4,
                examples = new[] { new { activation = 3.0, context = 0, tokens = Tokens, target = 3, activations = new[] { 0, 0.5, 1, 3, 0, 0 } } },
            }),
        }));
        return run;
    }

    private static List<SweepCell> Cells() => Tasks.SelectMany(task => new[] { 0, Layer }.Select(layer => new SweepCell(task, layer,
        Methods.All.ToDictionary(m => m, m => new MethodScore(1.0 + layer * 0.1 + m.Length * 0.01, 0.5, m == Methods.Cleaned ? 2 : null)),
        new Dictionary<string, double> { [Methods.SaeRecon] = 0.3, [Methods.Cleaned] = 0.6 }))).ToList();
}
