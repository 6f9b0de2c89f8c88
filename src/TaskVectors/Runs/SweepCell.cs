namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// A method's metric in one cell: mean loss (METHOD.md §3) and first-token accuracy on the evaluation prompts with
/// their 95% bootstrap intervals over prompts, each prompt's loss and correctness (for any other statistic), and the
/// vector's L0 where it has one.
/// </summary>
public sealed record MethodScore(double Loss, double Accuracy, int? L0 = null, double[]? LossCi95 = null, double[]? AccuracyCi95 = null,
    double[]? PromptLosses = null, int[]? PromptCorrect = null, double? Scale = null)
{
    /// <summary>The mean loss on the cleaning prompts, where scored (the task vectors, the cleaned vector): what layers and lambdas are chosen on, never the evaluation loss.</summary>
    public double? CleanLoss { get; init; }

    /// <summary>The L1 penalty a cleaned vector was cleaned with (with several, the one <see cref="Cleaning.LambdaChoice"/> picked).</summary>
    public double? L1 { get; init; }

    /// <param name="scale">The factor a scaled vector was multiplied by, where one was chosen.</param>
    public static MethodScore Of(IReadOnlyList<PromptScore> prompts, int? l0 = null, double? scale = null)
    {
        var s = ScoreSummary.Of(prompts.ToList());
        var losses = prompts.Select(p => p.Nll).ToArray();
        var correct = prompts.Select(p => p.Correct ? 1 : 0).ToArray();
        return new MethodScore(s.Nll, s.Accuracy, l0, Bootstrap.Ci95(losses), Bootstrap.Ci95(correct.Select(c => (double)c).ToArray()), losses, correct, scale);
    }
}

/// <summary>
/// One task x layer result: every method's score (results.jsonl holds one per line), where an SAE was used the task
/// specificity (see TaskSpecificity) of the SAE reconstruction's and the cleaned vector's features, and for a task with
/// held-out word splits (the organism's) <see cref="HeldOut"/>: split -> method -> score on zero-shot prompts of the split's words.
/// </summary>
public sealed record SweepCell(string Task, int Layer, Dictionary<string, MethodScore> Methods, Dictionary<string, double>? Specificity = null,
    Dictionary<string, Dictionary<string, MethodScore>>? HeldOut = null)
{
    /// <summary>Where the sweep cleaned at several L1 penalties: every lambda's point of the loss-L0 trade-off, in the order given.</summary>
    public IReadOnlyList<Cleaning.LambdaPoint>? Lambdas { get; init; }
}

/// <summary>The method names of a sweep, in the order figures and tables list them.</summary>
public static class Methods
{
    public const string ZeroShot = "zero_shot", Tv = "tv", TvScaled = "tv_scaled", TvMinusCorrupted = "tv_minus_corrupted", SaeRecon = "sae_reconstruction",
        TopK = "sae_top_k", Pursuit = "gradient_pursuit", Cleaned = "cleaned", Icl = "icl";

    /// <summary>
    /// Every method. tv_scaled (the TV times the factor that does best on the cleaning prompts) is the fair control for
    /// cleaning, which also tunes magnitudes there; sae_top_k (the k features the encoder activates most, k = the cleaned
    /// L0) asks whether cleaning beats naive selection.
    /// </summary>
    public static readonly string[] All = [ZeroShot, Tv, TvScaled, TvMinusCorrupted, SaeRecon, TopK, Pursuit, Cleaned, Icl];
}
