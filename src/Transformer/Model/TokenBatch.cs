namespace NativeTV.Transformer.Model;

/// <summary>
/// Token ids [Batch, SeqLen] with an attention mask (1 = token, 0 = padding). Position ids are
/// cumsum(mask) - 1, so a padded row computes the same values as the same row unpadded.
/// </summary>
public sealed class TokenBatch
{
    public int Batch { get; }
    public int SeqLen { get; }
    public int[] Ids { get; }
    public int[] Mask { get; }

    public TokenBatch(int batch, int seqLen, int[] ids, int[] mask)
    {
        if (ids.Length != batch * seqLen || mask.Length != ids.Length) throw new ArgumentException($"ids/mask must hold {batch}x{seqLen} values");
        Batch = batch; SeqLen = seqLen; Ids = ids; Mask = mask;
    }

    public static TokenBatch Single(IReadOnlyList<int> ids) => FromSequences([ids], 0, leftPad: false);

    /// <summary>Pads sequences of different lengths to the longest, on the left or the right.</summary>
    public static TokenBatch FromSequences(IReadOnlyList<IReadOnlyList<int>> seqs, int padId, bool leftPad)
    {
        if (seqs.Count == 0 || seqs.Any(s => s.Count == 0)) throw new ArgumentException("every sequence needs at least one token");
        int T = seqs.Max(s => s.Count), B = seqs.Count;
        var ids = new int[B * T];
        var mask = new int[B * T];
        for (int b = 0; b < B; b++)
        {
            int start = leftPad ? T - seqs[b].Count : 0;
            for (int t = 0; t < T; t++) ids[b * T + t] = padId;
            for (int i = 0; i < seqs[b].Count; i++) { ids[b * T + start + i] = seqs[b][i]; mask[b * T + start + i] = 1; }
        }
        return new TokenBatch(B, T, ids, mask);
    }

    /// <summary>
    /// Several batches as one, their rows one after another in order, each row padded at its end to the longest
    /// SeqLen: padding after a row's last position changes none of that row's values (attention is causal and
    /// masked), and its id is never seen, so id 0 is used. Row r of a part whose rows start at batch row b0 becomes
    /// (b0 + r / part.SeqLen) * SeqLen + r % part.SeqLen.
    /// </summary>
    public static TokenBatch Stack(IReadOnlyList<TokenBatch> parts)
    {
        if (parts.Count == 0) throw new ArgumentException("no batches to stack");
        int T = parts.Max(p => p.SeqLen), B = parts.Sum(p => p.Batch);
        var ids = new int[B * T];
        var mask = new int[B * T];
        int b0 = 0;
        foreach (var p in parts)
        {
            for (int b = 0; b < p.Batch; b++)
            {
                Array.Copy(p.Ids, b * p.SeqLen, ids, (b0 + b) * T, p.SeqLen);
                Array.Copy(p.Mask, b * p.SeqLen, mask, (b0 + b) * T, p.SeqLen);
            }
            b0 += p.Batch;
        }
        return new TokenBatch(B, T, ids, mask);
    }

    /// <summary>cumsum(mask) - 1 per row; padding gets position 0.</summary>
    public int[] Positions()
    {
        var pos = new int[Ids.Length];
        for (int b = 0; b < Batch; b++)
        {
            int c = 0;
            for (int t = 0; t < SeqLen; t++) { int i = b * SeqLen + t; c += Mask[i]; pos[i] = Mask[i] == 1 ? c - 1 : 0; }
        }
        return pos;
    }

    /// <summary>Flattened row of (batch row b, position index t).</summary>
    public int Row(int b, int t) => b * SeqLen + t;
}
