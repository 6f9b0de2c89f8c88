namespace NativeTV.TaskVectors.Runs;

/// <summary>The layer a method works best at, and whether it was chosen on the evaluation prompts (a log from before cleaning-set losses).</summary>
public sealed record LayerChoice(int Layer, bool OnEvaluation);

/// <summary>
/// Choosing the best layer without peeking: by the lowest mean loss over tasks on the cleaning prompts
/// (<see cref="MethodScore.CleanLoss"/>), while the evaluation prompts only score the choice; choosing on the numbers
/// that are then reported would flatter them. A results.jsonl from before cleaning-set losses were recorded has none:
/// the choice then falls back to the evaluation loss and says so (<see cref="LayerChoice.OnEvaluation"/>, <see cref="Fallback"/>).
/// </summary>
public static class BestLayer
{
    public const string Fallback = "chosen on the evaluation prompts, since results.jsonl predates cleaning-set losses (`sweep --restart` records them)";

    /// <summary>Over the layers where every cell has <paramref name="method"/> (null when there is none).</summary>
    public static LayerChoice? Of(IEnumerable<SweepCell> cells, string method = Methods.Tv)
    {
        var byLayer = cells.GroupBy(c => c.Layer).Where(g => g.All(c => c.Methods.ContainsKey(method))).ToList();
        if (byLayer.Count == 0) return null;
        bool onEval = byLayer.Any(g => g.Any(c => c.Methods[method].CleanLoss is null));
        var best = byLayer.MinBy(g => g.Average(c => onEval ? c.Methods[method].Loss : c.Methods[method].CleanLoss!.Value))!;
        return new LayerChoice(best.Key, onEval);
    }

    /// <summary>How the layer was chosen, for a caption.</summary>
    public static string How(LayerChoice c) => c.OnEvaluation ? Fallback : "chosen on the cleaning prompts, scored on the evaluation prompts";
}
