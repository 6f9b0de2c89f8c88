namespace NativeTV.TaskVectors.Cleaning;

/// <summary>
/// One lambda's point on the loss-L0 trade-off (the post's): the cleaned vector's L0, its loss on the cleaning
/// prompts and on the evaluation prompts with 95% bootstrap intervals, and whether it ended worse than the SAE
/// reconstruction it started from (on the cleaning set).
/// </summary>
public sealed record LambdaPoint(double L1, int L0, double CleanLoss, double[] CleanLossCi95, double EvalLoss, double[] EvalLossCi95, bool WorseThanStart);

/// <summary>
/// Which lambda a sweep keeps, decided on the cleaning prompts alone (the evaluation prompts only score the choice):
/// the sparsest cleaned vector whose cleaning-set loss lies within the 95% bootstrap interval of the lowest
/// cleaning-set loss among the lambdas (ties: the lower cleaning-set loss, then the smaller lambda). A sparser vector
/// that the cleaning prompts cannot tell apart from the best is preferred, as the post prefers few features.
/// </summary>
public static class LambdaChoice
{
    public const string ShortRule = "the sparsest within the best cleaning-set loss's 95% interval";
    public const string Rule = "the sparsest cleaned vector whose cleaning-set loss is within the 95% bootstrap interval of the lowest cleaning-set loss among the lambdas";

    /// <summary>The index of the point the rule picks.</summary>
    public static int Pick(IReadOnlyList<LambdaPoint> points)
    {
        if (points.Count == 0) throw new ArgumentException("no lambda to choose from");
        int best = Enumerable.Range(0, points.Count).MinBy(i => (points[i].CleanLoss, points[i].L1));
        double bound = points[best].CleanLossCi95[1];
        return Enumerable.Range(0, points.Count).Where(i => i == best || points[i].CleanLoss <= bound)
            .MinBy(i => (points[i].L0, points[i].CleanLoss, points[i].L1));
    }
}
