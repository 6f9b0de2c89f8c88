using System.Globalization;
using NativeTV.Transformer.Files;
using NativeTV.Transformer.Model;

namespace NativeTV.TaskVectors.Experiments;

/// <summary>
/// The controls a single-feature steering matrix is read against: per task, the relative loss change from a random
/// SAE feature outside the matrix and from a random unit direction, both at the same scale. A task feature that
/// "steers its own task" should do clearly better than either. The tasks' unsteered losses are measured here unless
/// given (a matrix's <see cref="FeatureSteeringMatrix.BaseLoss"/> on the same prompts).
/// </summary>
public sealed record SteeringControls(string[] Tasks, int RandomFeature, double[] RandomFeatureChange, double[] RandomDirectionChange)
{
    public static SteeringControls Measure(TransformerModel m, NativeTV.Sae.Sae sae, int layer, IReadOnlyList<(string Task, IReadOnlyList<Prompt> Prompts)> tasks,
        int[] matrixFeatures, float scale, int nFirst, int seed = 0, IReadOnlyList<double>? baseLosses = null)
    {
        if (baseLosses != null && baseLosses.Count != tasks.Count) throw new ArgumentException($"{baseLosses.Count} base losses for {tasks.Count} tasks", nameof(baseLosses));
        var rng = new Random(seed);
        // A live feature (non-zero decoder row) that the matrix does not hold.
        var candidates = Enumerable.Range(0, sae.DSae).Where(f => !matrixFeatures.Contains(f) && FeatureSteeringMatrix.UnitDirection(sae, f).Any(x => x != 0)).ToArray();
        int feature = candidates.Length > 0 ? candidates[rng.Next(candidates.Length)] : -1;
        var gaussian = Enumerable.Range(0, sae.DIn).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();
        float norm = MathF.Sqrt(gaussian.Sum(x => x * x));
        var direction = gaussian.Select(x => x / norm).ToArray();
        double Loss(IReadOnlyList<Prompt> prompts, float[]? v) => ScoreSummary.Of(PromptScorer.Score(m, prompts, v is null ? null : new Steer(layer, v, scale), nFirst)).Nll;
        var bases = baseLosses ?? tasks.Select(t => Loss(t.Prompts, null)).ToArray();
        double Change(int t, float[]? v) => v is null ? double.NaN : (Loss(tasks[t].Prompts, v) - bases[t]) / bases[t];
        var randomFeature = feature >= 0 ? FeatureSteeringMatrix.UnitDirection(sae, feature) : null;
        return new SteeringControls(tasks.Select(t => t.Task).ToArray(), feature,
            tasks.Select((_, t) => Change(t, randomFeature)).ToArray(), tasks.Select((_, t) => Change(t, direction)).ToArray());
    }

    /// <summary>DIR/controls.SUFFIX.csv: per task the best matrix feature's change beside the two controls'.</summary>
    public void Write(string dir, string suffix, FeatureSteeringMatrix matrix)
    {
        string F(double x) => double.IsNaN(x) ? "" : x.ToString("G5", CultureInfo.InvariantCulture);
        AtomicFile.WriteAllLines(Path.Combine(dir, $"controls.{suffix}.csv"), [
            $"task,best_feature,best_feature_change,random_feature_f{RandomFeature}_change,random_direction_change",
            .. Tasks.Select((t, i) =>
            {
                int row = Array.IndexOf(matrix.Tasks, t);
                int best = Enumerable.Range(0, matrix.Features.Length).MinBy(j => matrix.RelativeChange[row, j]);
                return $"{t},f{matrix.Features[best]},{F(matrix.RelativeChange[row, best])},{F(RandomFeatureChange[i])},{F(RandomDirectionChange[i])}";
            })]);
    }
}
