using NativeTV.Transformer;
using NativeTV.Transformer.Model;
using NativeTV.Transformer.TaskVectors;

namespace NativeTV.Host.Experiments;

/// <summary>
/// The single-feature steering matrix (METHOD.md §7): each feature's unit decoder direction times a scale,
/// added at the separator of every task's zero-shot prompts; a cell is the relative loss change against
/// no steering (negative = the feature helps that task), and the authors' normalised decrease divides
/// each feature's loss decreases by the largest over tasks.
/// </summary>
public sealed record FeatureSteeringMatrix(string[] Tasks, int[] Features, double[,] RelativeChange, double[,] NormalisedDecrease)
{
    public static FeatureSteeringMatrix Measure(TransformerModel m, NativeTV.Sae.Sae sae, int layer, IReadOnlyList<TaskPrompts> tasks, int[] features, float scale, int nFirst, Action? progress = null)
    {
        int d = sae.DIn;
        var change = new double[tasks.Count, features.Length];
        var decrease = new double[tasks.Count, features.Length];
        for (int t = 0; t < tasks.Count; t++)
        {
            double baseLoss = ScoreSummary.Of(PromptScorer.Score(m, tasks[t].Eval, null, nFirst)).Nll;
            for (int j = 0; j < features.Length; j++)
            {
                var row = sae.WDec.AsSpan(features[j] * d, d).ToArray();
                float norm = MathF.Sqrt(row.Sum(x => x * x));
                var v = row.Select(x => norm > 0 ? x / norm : 0f).ToArray();
                double loss = ScoreSummary.Of(PromptScorer.Score(m, tasks[t].Eval, new Steer(layer, v, scale), nFirst)).Nll;
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
        return new FeatureSteeringMatrix(tasks.Select(t => t.Task.Name).ToArray(), features, change, decrease);
    }

    public void WriteCsv(string path, double[,] values)
    {
        var lines = new List<string> { "task," + string.Join(",", Features.Select(f => $"f{f}")) };
        for (int t = 0; t < Tasks.Length; t++)
            lines.Add(Tasks[t] + "," + string.Join(",", Enumerable.Range(0, Features.Length).Select(j => values[t, j].ToString("G5", System.Globalization.CultureInfo.InvariantCulture))));
        AtomicFile.WriteAllLines(path, lines);
    }
}
