using NativeTV.Sae;
using NativeTV.TaskVectors.Runs;
using NativeTV.TaskVectors.Steering;
using NativeTV.Transformer.Model;

namespace NativeTV.TaskVectors.Cleaning;

/// <summary>
/// One lambda's cleaning: the result, and the cleaned vector scored on the cleaning prompts (what the lambda is chosen
/// on) and on the evaluation prompts (Eval carries the L0, the lambda and the cleaning-set loss, as results.jsonl keeps it).
/// </summary>
public sealed record LambdaRun(float L1, CleaningResult Result, MethodScore Clean, MethodScore Eval)
{
    /// <summary>The lambda as typed (0.01, not the float's 0.009999999776), for JSON and tables.</summary>
    public static double Decimal(float l1) => double.Parse(l1.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);

    public LambdaPoint Point => new(Decimal(L1), Result.Features.Count, Clean.Loss, Clean.LossCi95!, Eval.Loss, Eval.LossCi95!, Result.WorseThanStart);
}

/// <summary>
/// Cleaning one task vector at each of several L1 penalties (the loss-L0 trade-off), the rest of the settings shared;
/// <see cref="LambdaChoice"/> picks one. One lambda is plain cleaning.
/// </summary>
public static class CleaningTradeOff
{
    /// <param name="onStep">Each lambda's step, with the lambda's index (the lambdas advance together).</param>
    public static IReadOnlyList<LambdaRun> Run(TransformerModel m, DeviceSae sae, int layer, TaskPrompts t, float[] taskVector, CleaningOptions o,
        IReadOnlyList<float> lambdas, int nFirst, IReadOnlyCollection<int>? onlyFeatures = null, Action<int, StepRecord>? onStep = null)
    {
        // Every lambda in one batch (one forward and backward per step for all): each run equals cleaning at that lambda alone.
        var results = TaskVectorCleaner.CleanMany(m, sae, layer, Jobs(m, t, taskVector, lambdas, nFirst, onlyFeatures), o, onStep);
        return Runs(m, layer, t, lambdas, results, nFirst);
    }

    /// <summary>The cleaning jobs of one task, one per lambda in order, for <see cref="TaskVectorCleaner.CleanMany"/> (alone or beside other tasks').</summary>
    public static IReadOnlyList<CleaningJob> Jobs(TransformerModel m, TaskPrompts t, float[] taskVector, IReadOnlyList<float> lambdas, int nFirst,
        IReadOnlyCollection<int>? onlyFeatures = null)
    {
        var cleanSet = PromptBatch.Of(t.Clean, nFirst, m.Config.PadTokenId);
        return lambdas.Select(l1 => new CleaningJob(cleanSet, taskVector, l1, onlyFeatures)).ToList();
    }

    /// <summary>Each lambda's result of <see cref="Jobs"/>, scored on the cleaning and evaluation prompts.</summary>
    public static IReadOnlyList<LambdaRun> Runs(TransformerModel m, int layer, TaskPrompts t, IReadOnlyList<float> lambdas, IReadOnlyList<CleaningResult> results, int nFirst)
    {
        if (results.Count != lambdas.Count) throw new ArgumentException($"{results.Count} cleaning results for {lambdas.Count} lambdas of {t.Task.Name}");
        return lambdas.Select((l1, i) =>
        {
            var r = results[i];
            MethodScore Score(IReadOnlyList<Prompt> prompts) => MethodScore.Of(PromptScorer.Score(m, prompts, new Steer(layer, r.Vector), nFirst), r.Features.Count);
            var clean = Score(t.Clean);
            return new LambdaRun(l1, r, clean, Score(t.Eval) with { L1 = LambdaRun.Decimal(l1), CleanLoss = clean.Loss });
        }).ToList();
    }
}
