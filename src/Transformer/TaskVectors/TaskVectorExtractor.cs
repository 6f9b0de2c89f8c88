using NativeTV.Transformer.Model;

namespace NativeTV.Transformer.TaskVectors;

/// <summary>
/// Task vectors (METHOD.md §2): the mean of resid_pre[L] over the separators of ICL prompts, for many
/// layers from one forward pass per batch (accumulated in double).
/// </summary>
public static class TaskVectorExtractor
{
    /// <summary>Vectors by layer, in the order of <paramref name="layers"/>; <paramref name="lastOnly"/> uses only each prompt's last separator (Hendel et al.).</summary>
    public static float[][] Mean(TransformerModel m, IReadOnlyList<Prompt> prompts, IReadOnlyList<int> layers, bool lastOnly, int batchSize = 32)
    {
        if (prompts.Count == 0) throw new ArgumentException("no prompts to build a task vector from");
        int d = m.Config.HiddenSize;
        var sums = layers.Select(_ => new double[d]).ToArray();
        long count = 0;
        for (int start = 0; start < prompts.Count; start += batchSize)
        {
            var chunk = prompts.Skip(start).Take(batchSize).ToList();
            var tok = TokenBatch.FromSequences(chunk.Select(p => (IReadOnlyList<int>)p.Ids).ToList(), m.Config.PadTokenId, leftPad: false);
            var rows = chunk.SelectMany((p, b) => (lastOnly ? [p.LastSeparator] : p.Separators).Select(t => tok.Row(b, t))).ToArray();
            var keys = layers.Select(L => new HookKey(HookPoint.ResidPre, L)).ToArray();
            var reads = m.Forward(new ForwardRequest { Tokens = tok, Reads = keys.Select(k => new HookRead(k, rows)).ToArray() }).Reads;
            for (int li = 0; li < keys.Length; li++)
            {
                var x = reads[keys[li]];
                for (int r = 0; r < rows.Length; r++)
                    for (int j = 0; j < d; j++) sums[li][j] += x[r * d + j];
            }
            count += rows.Length;
        }
        return sums.Select(s => s.Select(v => (float)(v / count)).ToArray()).ToArray();
    }

    /// <summary>resid_pre[layer] at each prompt's last separator, one row per prompt [prompts, d_model].</summary>
    public static float[] Rows(TransformerModel m, IReadOnlyList<Prompt> prompts, int layer, int batchSize = 32)
    {
        var key = new HookKey(HookPoint.ResidPre, layer);
        var result = new List<float>();
        for (int start = 0; start < prompts.Count; start += batchSize)
        {
            var chunk = prompts.Skip(start).Take(batchSize).ToList();
            var tok = TokenBatch.FromSequences(chunk.Select(p => (IReadOnlyList<int>)p.Ids).ToList(), m.Config.PadTokenId, leftPad: false);
            var rows = chunk.Select((p, b) => tok.Row(b, p.LastSeparator)).ToArray();
            result.AddRange(m.Forward(new ForwardRequest { Tokens = tok, Reads = [new HookRead(key, rows)] }).Reads[key]);
        }
        return result.ToArray();
    }
}
