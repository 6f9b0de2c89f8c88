using NativeTV.Transformer.Model;

namespace NativeTV.TaskVectors.Steering;

/// <summary>
/// Several steering problems at one layer as one batch: their prompts stacked (<see cref="TokenBatch.Stack"/>), each
/// problem's rows steered by its own vector, its targets kept apart, so one forward and backward gives every problem
/// its own loss and gradient. Rows of different prompts never mix, so each equals the problem run alone.
/// </summary>
public sealed class SteeringBatch
{
    private readonly TokenBatch _tokens;
    private readonly int _layer;
    private readonly float _scale;
    private readonly int[] _rows, _vectorOf;
    private readonly LossTarget[] _targets;
    /// <summary>Problem p's targets are _targets[_targetStart[p] .. _targetStart[p + 1]).</summary>
    private readonly int[] _targetStart;

    public int Count => _targetStart.Length - 1;

    private SteeringBatch(TokenBatch tokens, int layer, float scale, int[] rows, int[] vectorOf, LossTarget[] targets, int[] targetStart)
    {
        _tokens = tokens; _layer = layer; _scale = scale; _rows = rows; _vectorOf = vectorOf; _targets = targets; _targetStart = targetStart;
    }

    public static SteeringBatch Of(IReadOnlyList<SteeringProblem> problems)
    {
        if (problems.Count == 0) throw new ArgumentException("no steering problems to batch");
        var first = problems[0];
        if (problems.Any(p => p.Layer != first.Layer || p.Scale != first.Scale))
            throw new ArgumentException($"batched steering problems must share one layer and scale (the first: layer {first.Layer}, scale {first.Scale})");
        var tokens = TokenBatch.Stack(problems.Select(p => p.Tokens).ToList());
        var rows = new List<int>();
        var vectorOf = new List<int>();
        var targets = new List<LossTarget>();
        var targetStart = new int[problems.Count + 1];
        int b0 = 0;
        for (int i = 0; i < problems.Count; i++)
        {
            var p = problems[i];
            int Row(int r) => (b0 + r / p.Tokens.SeqLen) * tokens.SeqLen + r % p.Tokens.SeqLen;
            rows.AddRange(p.Rows.Select(Row));
            vectorOf.AddRange(p.Rows.Select(_ => i));
            targets.AddRange(p.Targets.Select(t => t with { Row = Row(t.Row) }));
            targetStart[i + 1] = targets.Count;
            b0 += p.Tokens.Batch;
        }
        return new SteeringBatch(tokens, first.Layer, first.Scale, rows.ToArray(), vectorOf.ToArray(), targets.ToArray(), targetStart);
    }

    /// <summary>Each problem's loss and d loss / d v at its vector <paramref name="vectors"/>[p], from one forward and backward.</summary>
    public (double[] Loss, float[][] Gradient) LossAndGradients(TransformerModel model, IReadOnlyList<float[]> vectors)
    {
        if (vectors.Count != Count) throw new ArgumentException($"{vectors.Count} steering vectors for {Count} problems");
        int d = model.Config.HiddenSize;
        var stacked = new float[Count * d];
        for (int p = 0; p < Count; p++)
        {
            if (vectors[p].Length != d) throw new ArgumentException($"steering vector {p} has {vectors[p].Length} values, the model's d_model is {d}");
            vectors[p].CopyTo(stacked, p * d);
        }
        var steer = new HookAdd(new HookKey(HookPoint.ResidPre, _layer), _rows, stacked, _scale) { VectorOf = _vectorOf };
        var r = model.SteerGrad(_tokens, steer, _targets);
        var loss = new double[Count];
        var grad = new float[Count][];
        for (int p = 0; p < Count; p++)
        {
            // Summed in target order, as SteerGrad sums a problem run alone.
            for (int t = _targetStart[p]; t < _targetStart[p + 1]; t++) loss[p] += (double)r.Nll[t] * _targets[t].Weight;
            grad[p] = r.Gradient.AsSpan(p * d, d).ToArray();
        }
        return (loss, grad);
    }
}
