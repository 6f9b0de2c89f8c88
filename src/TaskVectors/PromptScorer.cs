using NativeTV.Transformer.Model;

namespace NativeTV.TaskVectors;

/// <summary>
/// Scores prompts by METHOD.md §3: each prompt is run with its first answer tokens appended (teacher
/// forcing), optionally steered at its steering position (<see cref="Prompt.SteerPosition"/>), and the answer's nll and top-1 accuracy are read
/// from the logits at the last separator onwards.
/// </summary>
public static class PromptScorer
{
    public static PromptScore[] Score(TransformerModel m, IReadOnlyList<Prompt> prompts, Steer? steer = null, int nFirst = 2, int batchSize = 64) =>
        ScoreWith(m, prompts, (pb, _) => Hooks(m, pb.Tokens, pb.SteerRows, steer), nFirst, batchSize);

    /// <summary>
    /// Scores under any hooks: <paramref name="hooks"/> gets each batch as run (<see cref="PromptBatch.Tokens"/>: answers appended;
    /// each prompt's steering row) with its prompts, in batch order, and returns the additions for that forward (an ablation, a patch, several vectors).
    /// </summary>
    public static PromptScore[] ScoreWith(TransformerModel m, IReadOnlyList<Prompt> prompts, Func<PromptBatch, IReadOnlyList<Prompt>, HookAdd[]> hooks, int nFirst = 2, int batchSize = 64)
    {
        var scores = new PromptScore[prompts.Count];
        for (int start = 0; start < prompts.Count; start += batchSize)
        {
            var chunk = prompts.Skip(start).Take(batchSize).ToList();
            ScoreBatch(m, chunk, hooks, nFirst).CopyTo(scores, start);
        }
        return scores;
    }

    private static PromptScore[] ScoreBatch(TransformerModel m, List<Prompt> prompts, Func<PromptBatch, IReadOnlyList<Prompt>, HookAdd[]> hooks, int nFirst)
    {
        var pb = PromptBatch.Of(prompts, nFirst, m.Config.PadTokenId);
        var logits = m.Forward(new ForwardRequest { Tokens = pb.Tokens, LogitRows = pb.Targets.Select(t => t.Row).ToArray(), Adds = hooks(pb, prompts) }).Logits;
        int V = m.Config.VocabSize, row = 0;
        var result = new PromptScore[prompts.Count];
        for (int b = 0; b < prompts.Count; b++)
        {
            double nll = 0;
            bool correct = false;
            for (int i = 0; i < pb.Answers[b].Length; i++, row++)
            {
                var l = new ReadOnlySpan<float>(logits, row * V, V);
                nll += NegLogSoftmax(l, pb.Answers[b][i]);
                if (i == 0) correct = ArgMax(l) == pb.Answers[b][0];
            }
            result[b] = new PromptScore(nll, correct);
        }
        return result;
    }

    /// <summary>The steering hooks: one add at every row, or for patching one add per row of (vector - the row's unsteered residual).</summary>
    private static HookAdd[] Hooks(TransformerModel m, TokenBatch tok, int[] rows, Steer? steer)
    {
        if (steer is null) return [];
        var key = new HookKey(HookPoint.ResidPre, steer.Layer);
        if (!steer.Replace) return [new HookAdd(key, rows, steer.Vector, steer.Scale)];
        var x = m.Forward(new ForwardRequest { Tokens = tok, Reads = [new HookRead(key, rows)] }).Reads[key];
        int d = m.Config.HiddenSize;
        return rows.Select((r, i) => new HookAdd(key, [r], steer.Vector.Select((v, j) => v - x[i * d + j]).ToArray())).ToArray();
    }

    private static double NegLogSoftmax(ReadOnlySpan<float> logits, int target)
    {
        double max = double.NegativeInfinity, sum = 0;
        foreach (var v in logits) max = Math.Max(max, v);
        foreach (var v in logits) sum += Math.Exp(v - max);
        return Math.Log(sum) + max - logits[target];
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
