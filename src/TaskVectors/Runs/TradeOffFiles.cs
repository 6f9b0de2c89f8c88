using NativeTV.TaskVectors.Cleaning;
using NativeTV.Transformer.Files;

namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// The loss-L0 trade-off of cleaning one task vector at several lambdas, for a person to open: tradeoff.TASK.L{layer}.csv
/// (one row per lambda: L0, cleaning-set loss, evaluation loss with its 95% interval, whether it ended worse than its
/// start, whether <see cref="LambdaChoice"/> picks it) and the figure beside it (.png, .svg).
/// </summary>
public static class TradeOffFiles
{
    public const string CsvHeader = "lambda,l0,clean_loss,clean_loss_lo,clean_loss_hi,eval_loss,eval_loss_lo,eval_loss_hi,worse_than_start,chosen";

    public static string Name(string task, int layer) => $"tradeoff.{CleanedVectorFiles.Name(task, layer)}";

    /// <param name="references">Evaluation losses drawn as lines (the task vector, the SAE reconstruction).</param>
    public static void Write(string dir, string task, int layer, IReadOnlyList<LambdaPoint> points, IReadOnlyList<(string Name, double Loss)> references, string caption)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, Name(task, layer));
        int chosen = LambdaChoice.Pick(points);
        AtomicFile.WriteAllLines(path + ".csv", [CsvHeader, .. points.Select((p, i) => FormattableString.Invariant(
            $"{p.L1:G6},{p.L0},{p.CleanLoss:G6},{p.CleanLossCi95[0]:G6},{p.CleanLossCi95[1]:G6},{p.EvalLoss:G6},{p.EvalLossCi95[0]:G6},{p.EvalLossCi95[1]:G6},{p.WorseThanStart},{i == chosen}"))]);
        Figures.TradeOff(path, $"{task}, layer {layer}: cleaning's loss-L0 trade-off", $"{caption}; chosen: {LambdaChoice.ShortRule}", points, chosen, references);
    }

    /// <summary>A figure and CSV for every cell of a sweep that cleaned at several lambdas, its TV and SAE reconstruction as references.</summary>
    public static void Write(string dir, IReadOnlyList<SweepCell> cells, string caption)
    {
        foreach (var c in cells.Where(c => c.Lambdas is { Count: > 0 }))
            Write(dir, c.Task, c.Layer, c.Lambdas!, References(c.Methods), caption);
    }

    /// <summary>The task vector's and the SAE reconstruction's evaluation losses, where scored.</summary>
    public static List<(string Name, double Loss)> References(IReadOnlyDictionary<string, MethodScore> methods) =>
        new[] { Methods.Tv, Methods.SaeRecon }.Where(methods.ContainsKey).Select(m => (m, methods[m].Loss)).ToList();
}
