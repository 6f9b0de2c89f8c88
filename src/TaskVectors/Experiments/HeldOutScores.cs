using NativeTV.TaskVectors.Runs;

namespace NativeTV.TaskVectors.Experiments;

/// <summary>
/// A sweep cell's scores on held-out words (<see cref="HeldOutPrompts"/>, the organism's "text-only" and "unseen"): per
/// split, zero-shot and ICL (the references, once per task) and each steering vector given, added at the layer to the
/// split's zero-shot prompts, all with the intervals of <see cref="MethodScore"/>. Tasks without splits get none.
/// </summary>
public sealed class HeldOutScores(PipelineContext ctx)
{
    private string? _task;
    private IReadOnlyList<(HeldOutPrompts Prompts, MethodScore ZeroShot, MethodScore Icl)> _refs = [];

    /// <summary>Split -> method -> score, or null when the task has no held-out split.</summary>
    public Dictionary<string, Dictionary<string, MethodScore>>? Score(TaskPrompts t, int layer, IReadOnlyDictionary<string, float[]> vectors)
    {
        if (_task != t.Task.Name)
        {
            _refs = HeldOutPrompts.Build(ctx.Builder, t).Select(h => (h, Of(h.ZeroShot, null), Of(h.Icl, null))).ToList();
            _task = t.Task.Name;
        }
        if (_refs.Count == 0) return null;
        return _refs.ToDictionary(r => r.Prompts.Split, r => new Dictionary<string, MethodScore>
        {
            [Methods.ZeroShot] = r.ZeroShot, [Methods.Icl] = r.Icl,
        }.Concat(vectors.Select(v => KeyValuePair.Create(v.Key, Of(r.Prompts.ZeroShot, new Steer(layer, v.Value))))).ToDictionary());
    }

    private MethodScore Of(IReadOnlyList<Prompt> prompts, Steer? steer) => MethodScore.Of(PromptScorer.Score(ctx.Model, prompts, steer, ctx.NFirst));
}
