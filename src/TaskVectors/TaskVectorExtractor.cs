using NativeTV.Transformer.Model;

namespace NativeTV.TaskVectors;

/// <summary>
/// Task vectors (METHOD.md §2): the mean of resid_pre[L] over chosen positions of ICL prompts, for many
/// layers from one forward pass per batch (accumulated in double).
/// </summary>
public static class TaskVectorExtractor
{
    /// <summary>Vectors by layer, in the order of <paramref name="layers"/>; <paramref name="lastOnly"/> uses only each prompt's last separator (Hendel et al.).</summary>
    public static float[][] Mean(TransformerModel m, IReadOnlyList<Prompt> prompts, IReadOnlyList<int> layers, bool lastOnly, int batchSize = 32) =>
        Mean(m, prompts, layers, lastOnly ? ReadAt.LastSeparator : ReadAt.Separators, null, batchSize);

    /// <summary>
    /// Vectors by layer: the mean of resid_pre over the positions <paramref name="at"/> picks in every prompt,
    /// optionally with <paramref name="steer"/> added at each prompt's steering position (reading a later layer
    /// shows what a vector inserted earlier becomes).
    /// </summary>
    public static float[][] Mean(TransformerModel m, IReadOnlyList<Prompt> prompts, IReadOnlyList<int> layers, Func<Prompt, IEnumerable<int>> at, Steer? steer = null, int batchSize = 32)
    {
        if (prompts.Count == 0) throw new ArgumentException("no prompts to build a task vector from");
        int d = m.Config.HiddenSize;
        var sums = layers.Select(_ => new double[d]).ToArray();
        long count = 0;
        foreach (var (reads, rows) in Read(m, prompts, layers, at, steer, batchSize))
        {
            for (int li = 0; li < layers.Count; li++)
                for (int r = 0; r < rows; r++)
                    for (int j = 0; j < d; j++) sums[li][j] += reads[li][r * d + j];
            count += rows;
        }
        if (count == 0) throw new ArgumentException("the prompts have no positions to read a vector at");
        return sums.Select(s => s.Select(v => (float)(v / count)).ToArray()).ToArray();
    }

    /// <summary>resid_pre[layer] at each position <paramref name="at"/> picks (default: each prompt's last separator), one row each [positions, d_model].</summary>
    public static float[] Rows(TransformerModel m, IReadOnlyList<Prompt> prompts, int layer, Func<Prompt, IEnumerable<int>>? at = null, int batchSize = 32) =>
        Read(m, prompts, [layer], at ?? ReadAt.LastSeparator, null, batchSize).SelectMany(b => b.Reads[0]).ToArray();

    /// <summary>One forward per batch of prompts; per batch, the reads for each layer (rows in prompt order) and their count.</summary>
    private static IEnumerable<(float[][] Reads, int Rows)> Read(TransformerModel m, IReadOnlyList<Prompt> prompts, IReadOnlyList<int> layers, Func<Prompt, IEnumerable<int>> at, Steer? steer, int batchSize)
    {
        if (steer is { Replace: true }) throw new ArgumentException("reading under a patched residual is not supported; add the vector instead");
        var keys = layers.Select(L => new HookKey(HookPoint.ResidPre, L)).ToArray();
        for (int start = 0; start < prompts.Count; start += batchSize)
        {
            var chunk = prompts.Skip(start).Take(batchSize).ToList();
            var tok = TokenBatch.FromSequences(chunk.Select(p => (IReadOnlyList<int>)p.Ids).ToList(), m.Config.PadTokenId, leftPad: false);
            var rows = chunk.SelectMany((p, b) => at(p).Select(t => tok.Row(b, t))).ToArray();
            if (rows.Length == 0) continue;
            HookAdd[] adds = steer is null ? [] : [new HookAdd(new HookKey(HookPoint.ResidPre, steer.Layer), chunk.Select((p, b) => tok.Row(b, p.SteerPosition)).ToArray(), steer.Vector, steer.Scale)];
            var reads = m.Forward(new ForwardRequest { Tokens = tok, Reads = keys.Select(k => new HookRead(k, rows)).ToArray(), Adds = adds }).Reads;
            yield return (keys.Select(k => reads[k]).ToArray(), rows.Length);
        }
    }
}
