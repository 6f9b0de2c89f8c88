using NativeTV.TaskVectors.Cleaning;

namespace NativeTV.TaskVectors.Experiments;

/// <summary>A sweep cell's expected cost in prompt forwards, for balancing shards (<see cref="Runs.SweepShard.Partition"/>).</summary>
public static class SweepCellCost
{
    /// <summary>
    /// Scoring the methods on the evaluation prompts; where the layer has an SAE, cleaning (a forward and a backward,
    /// about three forwards, per step on the cleaning prompts, at each L1); and for a task with held-out word splits,
    /// scoring the TV (and where an SAE exists the cleaned vector) on every held-out query (<see cref="HeldOutScores"/>).
    /// </summary>
    public static double Of(string? saePattern, PromptCounts counts, SweepOptions o, IclTask task, int layer)
    {
        bool sae = saePattern is { } p && Directory.Exists(p.Replace("{layer}", layer.ToString()));
        int heldOut = HeldOutPrompts.Queries(task).Sum(s => s.Pairs.Length);
        return 2.0 * counts.Eval + (sae ? 3.0 * counts.Eval + 3.0 * counts.Clean * (o.Cleaning ?? new CleaningOptions()).Steps * (o.Lambdas?.Count ?? 1) : 0)
            + heldOut * (sae ? 2.0 : 1.0);
    }
}
