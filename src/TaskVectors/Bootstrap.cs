namespace NativeTV.TaskVectors;

/// <summary>
/// Percentile bootstrap intervals of a mean over prompts: resampling the evaluation prompts with replacement says how
/// much a score would move on another sample of prompts. Deterministic (a fixed seed), so reruns give the same bounds.
/// </summary>
public static class Bootstrap
{
    public const int Resamples = 2000;

    /// <summary>The 95% interval [2.5th, 97.5th percentile] of the mean of <paramref name="values"/>; [v, v] for one value.</summary>
    public static double[] Ci95(IReadOnlyList<double> values, int seed = 0) => Ci95([values], seed);

    /// <summary>
    /// The 95% interval of the mean over groups of each group's mean (a mean over tasks of their prompt means), each
    /// group's values resampled on their own: the uncertainty that comes from which prompts each task drew.
    /// </summary>
    public static double[] Ci95(IReadOnlyList<IReadOnlyList<double>> groups, int seed = 0)
    {
        if (groups.Count == 0 || groups.Any(g => g.Count == 0)) return [double.NaN, double.NaN];
        var rng = new Random(seed);
        var stats = new double[Resamples];
        for (int b = 0; b < Resamples; b++)
        {
            double total = 0;
            foreach (var g in groups)
            {
                double sum = 0;
                for (int i = 0; i < g.Count; i++) sum += g[rng.Next(g.Count)];
                total += sum / g.Count;
            }
            stats[b] = total / groups.Count;
        }
        Array.Sort(stats);
        return [stats[(int)(0.025 * (Resamples - 1))], stats[(int)Math.Ceiling(0.975 * (Resamples - 1))]];
    }
}
