using NativeTV.TaskVectors.Runs;
using NativeTV.Transformer.Files;
using NativeTV.Transformer.Model;
using NativeTV.TaskVectors;

namespace NativeTV.TaskVectors.Experiments;

/// <summary>
/// The single-feature steering matrix (METHOD.md §7): each feature's unit decoder direction times a scale,
/// added at the steering position of every task's prompts (the separator of zero-shot prompts; " Y" of
/// detector one-shot prompts); a cell is the relative loss change against no steering (negative = the
/// feature helps that task), and the authors' normalised decrease divides each feature's loss decreases by
/// the largest over tasks.
/// </summary>
public sealed record FeatureSteeringMatrix(string[] Tasks, int[] Features, double[,] RelativeChange, double[,] NormalisedDecrease)
{
    /// <summary>Each task's loss without steering, the cells' base (empty where not measured).</summary>
    public double[] BaseLoss { get; init; } = [];

    public static FeatureSteeringMatrix Measure(TransformerModel m, NativeTV.Sae.Sae sae, int layer, IReadOnlyList<(string Task, IReadOnlyList<Prompt> Prompts)> tasks,
        int[] features, float scale, int nFirst, Action? progress = null)
    {
        var change = new double[tasks.Count, features.Length];
        var decrease = new double[tasks.Count, features.Length];
        var bases = new double[tasks.Count];
        for (int t = 0; t < tasks.Count; t++)
        {
            double baseLoss = bases[t] = ScoreSummary.Of(PromptScorer.Score(m, tasks[t].Prompts, null, nFirst)).Nll;
            for (int j = 0; j < features.Length; j++)
            {
                double loss = ScoreSummary.Of(PromptScorer.Score(m, tasks[t].Prompts, new Steer(layer, UnitDirection(sae, features[j]), scale), nFirst)).Nll;
                change[t, j] = (loss - baseLoss) / baseLoss;
                decrease[t, j] = baseLoss - loss;
                progress?.Invoke();
            }
        }
        for (int j = 0; j < features.Length; j++)
        {
            double max = Enumerable.Range(0, tasks.Count).Max(t => decrease[t, j]);
            for (int t = 0; t < tasks.Count; t++) decrease[t, j] = max > 0 ? Math.Max(0, decrease[t, j]) / max : 0;
        }
        return new FeatureSteeringMatrix(tasks.Select(t => t.Task).ToArray(), features, change, decrease) { BaseLoss = bases }.ByTask();
    }

    /// <summary>Columns grouped by the task each feature helps most (in task order, strongest first), so task features line up on a diagonal as in the post.</summary>
    public FeatureSteeringMatrix ByTask()
    {
        int Best(int j) => Enumerable.Range(0, Tasks.Length).MinBy(t => RelativeChange[t, j]);
        var order = Enumerable.Range(0, Features.Length).OrderBy(Best).ThenBy(j => RelativeChange[Best(j), j]).ToArray();
        double[,] Pick(double[,] v)
        {
            var r = new double[Tasks.Length, order.Length];
            for (int t = 0; t < Tasks.Length; t++) for (int j = 0; j < order.Length; j++) r[t, j] = v[t, order[j]];
            return r;
        }
        return new FeatureSteeringMatrix(Tasks, order.Select(j => Features[j]).ToArray(), Pick(RelativeChange), Pick(NormalisedDecrease)) { BaseLoss = BaseLoss };
    }

    /// <summary>W_dec[f] / ||W_dec[f]|| (zero for a dead, all-zero row).</summary>
    public static float[] UnitDirection(NativeTV.Sae.Sae sae, int feature)
    {
        var row = sae.WDec.AsSpan(feature * sae.DIn, sae.DIn).ToArray();
        float norm = MathF.Sqrt(row.Sum(x => x * x));
        return row.Select(x => norm > 0 ? x / norm : 0f).ToArray();
    }

    /// <summary>
    /// DIR/relative_change.SUFFIX and DIR/normalised_decrease.SUFFIX as CSV, PNG and SVG heatmaps titled
    /// "<paramref name="what"/>: ..." with <paramref name="caption"/> naming model, SAE, layer and scale. In the
    /// figures a column is labelled with the tasks that kept its feature where <paramref name="keptBy"/> says
    /// (e.g. "f1801 category"), so a task feature's own task can be read off the diagonal.
    /// </summary>
    public void Write(string dir, string suffix, string what, string caption, IReadOnlyDictionary<int, string[]>? keptBy = null)
    {
        Directory.CreateDirectory(dir);
        var cols = Features.Select(f => keptBy?.GetValueOrDefault(f) is { Length: > 0 } t ? $"f{f} {string.Join("+", t)}" : $"f{f}").ToArray();
        string Path_(string name) => Path.Combine(dir, $"{name}.{suffix}");
        WriteCsv(Path_("relative_change") + ".csv", RelativeChange);
        WriteCsv(Path_("normalised_decrease") + ".csv", NormalisedDecrease);
        Figures.Heatmap(Path_("relative_change"), $"{what}: relative loss change", caption, Tasks, cols, RelativeChange, "(loss - base) / base, clipped at +1", (-1, 1));
        Figures.Heatmap(Path_("normalised_decrease"), $"{what}: normalised loss decrease", caption, Tasks, cols, NormalisedDecrease, "decrease / feature's max");
    }

    private void WriteCsv(string path, double[,] values)
    {
        var lines = new List<string> { "task," + string.Join(",", Features.Select(f => $"f{f}")) };
        for (int t = 0; t < Tasks.Length; t++)
            lines.Add(Tasks[t] + "," + string.Join(",", Enumerable.Range(0, Features.Length).Select(j => values[t, j].ToString("G5", System.Globalization.CultureInfo.InvariantCulture))));
        AtomicFile.WriteAllLines(path, lines);
    }
}
