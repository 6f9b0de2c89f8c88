using NativeTV.Sae;
using NativeTV.Transformer.Model;
using NativeTV.TaskVectors.Steering;
using NativeTV.TaskVectors;

namespace NativeTV.TaskVectors.Cleaning;

/// <summary>
/// Cleaning settings (METHOD.md §6 defaults, the authors' recipe): Adam on the feature pre-activations with an L1
/// penalty, stopped early when neither L0 nor the objective (loss + penalty) has reached a new minimum for Patience
/// steps (with LossPatience: when the objective has not). The kept step is the one of lowest objective among those
/// whose cleaning-set loss is no higher than the start's (the SAE reconstruction's), so a cleaned vector is never worse
/// than where it started; AllowWorse drops that condition (the plain lowest objective, flagged when worse).
/// </summary>
public sealed record CleaningOptions(float L1 = 0.05f, float Lr = 1e-2f, int Steps = 1000, int Patience = 200, bool LossPatience = false, bool AllowWorse = false)
{
    /// <summary>Every option by its snake_case name, as run settings and cleaned files record them: read off the record, so none can be left out.</summary>
    public Dictionary<string, string> AsSettings() => typeof(CleaningOptions).GetProperties()
        .ToDictionary(p => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name), p => $"{p.GetValue(this)}");
}

/// <summary>A feature kept by cleaning: its weight act(z) in the cleaned vector and in the SAE's encoding of the task vector.</summary>
public sealed record CleanedFeature(int Id, float Weight, float ReconstructionWeight);

/// <summary>
/// The cleaned vector and its features at <see cref="BestStep"/>, the step of lowest objective; the curve of every step.
/// <see cref="WorseThanStart"/> says when its cleaning-set loss is above the start's (the SAE reconstruction of the
/// task vector): cleaning then traded the task for sparsity, and reports say so.
/// </summary>
public sealed record CleaningResult(float[] Vector, IReadOnlyList<CleanedFeature> Features, IReadOnlyList<StepRecord> Curve, int ReconstructionL0, int BestStep)
{
    /// <summary>Every feature of the SAE reconstruction cleaning started from, strongest first, with its cleaned weight (0 where dropped).</summary>
    public IReadOnlyList<CleanedFeature> Reconstruction { get; init; } = [];

    public bool WorseThanStart => Curve.Count > 0 && Curve[BestStep].Loss > Curve[0].Loss;
}

/// <summary>
/// One cleaning problem of a batch (<see cref="TaskVectorCleaner.CleanMany"/>): its clean-set prompts, the task vector
/// it starts from, its own L1 weight (null: the options'), and optionally a fixed feature set.
/// </summary>
public sealed record CleaningJob(PromptBatch CleanSet, float[] TaskVector, float? L1 = null, IReadOnlyCollection<int>? OnlyFeatures = null);

/// <summary>
/// Task-vector cleaning: starting from the SAE pre-activations of a task vector, minimise the zero-shot
/// loss of the vector decode(act(z)) added at resid_pre[L] plus lambda ||act(z)||_1 (METHOD.md §6).
/// Several jobs at one layer are cleaned together, one forward and backward per step for all of them, each job
/// with its own objective, Adam state and early stop: the results equal cleaning each alone.
/// </summary>
public static class TaskVectorCleaner
{
    public static CleaningResult Clean(TransformerModel m, DeviceSae sae, int layer, PromptBatch cleanSet, float[] taskVector, CleaningOptions o,
        IReadOnlyCollection<int>? onlyFeatures = null, Action<StepRecord>? onStep = null) =>
        CleanMany(m, sae, layer, [new CleaningJob(cleanSet, taskVector, o.L1, onlyFeatures)], o, onStep is null ? null : (_, s) => onStep(s))[0];

    /// <summary>
    /// One result per job, in order; <paramref name="onStep"/> gets the job's index with each of its steps. A pass holds
    /// jobs of at most <paramref name="maxPrompts"/> prompts together (default: all), bounding device memory.
    /// </summary>
    public static IReadOnlyList<CleaningResult> CleanMany(TransformerModel m, DeviceSae sae, int layer, IReadOnlyList<CleaningJob> jobs, CleaningOptions o,
        Action<int, StepRecord>? onStep = null, int? maxPrompts = null)
    {
        var param = jobs.Select(j => new SaeFeatureVector(sae, j.L1 ?? o.L1, j.OnlyFeatures)).ToArray();
        var theta = jobs.Select((j, i) => param[i].Initial(j.TaskVector)).ToArray();
        var start = theta.Select((t, i) => param[i].Activations(t)).ToArray();
        var runs = jobs.Select((j, i) => new SteeringRun(j.CleanSet.Problem(layer), param[i], theta[i], o.Lr, log => Stalled(log, o),
            onStep is null ? null : s => onStep(i, s), NoWorseThanStart: !o.AllowWorse)).ToList();
        var curves = SteeringOptimizer.OptimizeMany(m, runs, o.Steps, maxPrompts);
        return jobs.Select((_, i) => Result(param[i], theta[i], start[i], curves[i], !o.AllowWorse)).ToList();
    }

    /// <summary>The result of a job whose theta is at its best step, given the activations it started from.</summary>
    private static CleaningResult Result(SaeFeatureVector param, float[] theta, float[] start, List<StepRecord> curve, bool noWorseThanStart)
    {
        var f = param.Activations(theta);
        var features = f.Select((w, id) => new CleanedFeature(id, w, start[id])).Where(x => x.Weight != 0f).OrderByDescending(x => Math.Abs(x.Weight)).ToList();
        int best = SteeringOptimizer.BestStep(curve, noWorseThanStart);
        var reconstruction = start.Select((w, id) => new CleanedFeature(id, f[id], w)).Where(x => x.ReconstructionWeight != 0f)
            .OrderByDescending(x => Math.Abs(x.ReconstructionWeight)).ToList();
        return new CleaningResult(param.Vector(theta), features, curve, start.Count(x => x != 0f), best) { Reconstruction = reconstruction };
    }

    /// <summary>True when no watched quantity has reached a new minimum in the last Patience steps.</summary>
    private static bool Stalled(IReadOnlyList<StepRecord> log, CleaningOptions o)
    {
        if (log.Count <= o.Patience) return false;
        bool Flat(Func<StepRecord, double> watched)
        {
            double bestBefore = log.Take(log.Count - o.Patience).Min(watched);
            return log.Skip(log.Count - o.Patience).All(r => watched(r) >= bestBefore);
        }
        return Flat(r => r.Objective) && (o.LossPatience || Flat(r => r.L0));
    }
}
