namespace NativeTV.Transformer.Model;

/// <summary>One term of a loss: Weight * -log p(Token | the sequence up to flattened row Row).</summary>
public readonly record struct LossTarget(int Row, int Token, float Weight);

/// <summary>The two losses NativeTV optimises and reports.</summary>
public static class LossTargets
{
    /// <summary>
    /// Plain mean over positions: for each (b, t), predict token t + 1 of row b from row b's tokens up
    /// to t, all terms weighted 1 / count (the `trace --targets` loss).
    /// </summary>
    public static LossTarget[] MeanOverPositions(TokenBatch tok, IReadOnlyList<(int Batch, int Pos)> positions)
    {
        if (positions.Count == 0) throw new ArgumentException("no target positions");
        return positions.Select(p =>
        {
            if (p.Pos < 0 || p.Pos + 1 >= tok.SeqLen) throw new ArgumentException($"target position {p.Pos} needs a next token (sequence length {tok.SeqLen})");
            int next = tok.Row(p.Batch, p.Pos + 1);
            if (tok.Mask[next] == 0 || tok.Mask[tok.Row(p.Batch, p.Pos)] == 0) throw new ArgumentException($"target position {p.Pos} of row {p.Batch} is padding");
            return new LossTarget(tok.Row(p.Batch, p.Pos), tok.Ids[next], 1f / positions.Count);
        }).ToArray();
    }

    /// <summary>
    /// The metric of METHOD.md §3: for each prompt, the nll of its first <paramref name="nFirst"/>
    /// answer tokens summed, then the mean over prompts. <paramref name="answerStart"/>[b] is the
    /// position index of row b's first answer token (the token after the last separator); padding and
    /// the end of the row cut an answer short.
    /// </summary>
    public static LossTarget[] AnswerMetric(TokenBatch tok, IReadOnlyList<int> answerStart, int nFirst)
    {
        if (answerStart.Count != tok.Batch) throw new ArgumentException($"{answerStart.Count} answer starts for {tok.Batch} rows");
        var r = new List<LossTarget>();
        for (int b = 0; b < tok.Batch; b++)
            for (int i = 0; i < nFirst; i++)
            {
                int t = answerStart[b] + i;
                if (t < 1 || t >= tok.SeqLen || tok.Mask[tok.Row(b, t)] == 0) break;
                r.Add(new LossTarget(tok.Row(b, t - 1), tok.Ids[tok.Row(b, t)], 1f / tok.Batch));
            }
        return r.ToArray();
    }
}
