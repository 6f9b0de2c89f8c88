using NativeTV.Host.Reports;
using NativeTV.Transformer;
using NativeTV.Transformer.Model;
using NativeTV.Transformer.TaskVectors;

namespace NativeTV.Host.Experiments;

/// <summary>
/// The single-feature steering matrix (METHOD.md §7): each feature's unit decoder direction times a scale,
/// added at the steering position of every task's prompts (the separator of zero-shot prompts; " Y" of
/// detector one-shot prompts); a cell is the relative loss change against no steering (negative = the
/// feature helps that task), and the authors' normalised decrease divides each feature's loss decreases by
/// the largest over tasks.
/// </summary>
public sealed record FeatureSteeringMatrix(string[] Tasks, int[] Features, double[,] RelativeChange, double[,] NormalisedDecrease)
{
    public static FeatureSteeringMatrix Measure(TransformerModel m, NativeTV.Sae.Sae sae, int layer, IReadOnlyList<(string Task, IReadOnlyList<Prompt> Prompts)> tasks,
        int[] features, float scale, int nFirst, Action? progress = null)
    {
        var change = new double[tasks.Count, features.Length];
        var decrease = new double[tasks.Count, features.Length];
        for (int t = 0; t < tasks.Count; t++)
        {
            double baseLoss = ScoreSummary.Of(PromptScorer.Score(m, tasks[t].Prompts, null, nFirst)).Nll;
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
        return new FeatureSteeringMatrix(tasks.Select(t => t.Task).ToArray(), features, change, decrease);
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
    /// "<paramref name="what"/>: ..." with <paramref name="caption"/> naming model, SAE, layer and scale.
    /// </summary>
    public void Write(string dir, string suffix, string what, string caption)
    {
        Directory.CreateDirectory(dir);
        var cols = Features.Select(f => $"f{f}").ToArray();
        foreach (var (name, values, title, unit) in new[]
        {
            ("relative_change", RelativeChange, "relative loss change", "(loss - base) / base"),
            ("normalised_decrease", NormalisedDecrease, "normalised loss decrease", "decrease / feature's max"),
        })
        {
            string path = Path.Combine(dir, $"{name}.{suffix}");
            WriteCsv(path + ".csv", values);
            Figures.Heatmap(path, $"{what}: {title}", caption, Tasks, cols, values, unit);
        }
    }

    private void WriteCsv(string path, double[,] values)
    {
        var lines = new List<string> { "task," + string.Join(",", Features.Select(f => $"f{f}")) };
        for (int t = 0; t < Tasks.Length; t++)
            lines.Add(Tasks[t] + "," + string.Join(",", Enumerable.Range(0, Features.Length).Select(j => values[t, j].ToString("G5", System.Globalization.CultureInfo.InvariantCulture))));
        AtomicFile.WriteAllLines(path, lines);
    }
}
