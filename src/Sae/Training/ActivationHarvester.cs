using System.Text.Json;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;
using NativeTV.Transformer.Tokenization;

namespace NativeTV.Sae.Training;

/// <summary>
/// Collects resid_pre[L] vectors from a text corpus: plain text (one document per line) or JSONL
/// (a "text" field per line), tokenised with BOS into fixed-length contexts; BOS positions are left
/// out (their residuals are outliers no SAE should spend features on). Returned as a shuffle buffer,
/// in memory or, with a buffer folder, in a memory-mapped file there (<see cref="ActivationBuffer"/>).
/// </summary>
public static class ActivationHarvester
{
    public static ActivationBuffer Harvest(TransformerModel model, ITextTokenizer tok, string corpus, int layer, int contextLen, int maxVectors,
        int batch = 8, int seed = 0, Action<int>? progress = null, string? bufferDir = null)
    {
        if (!File.Exists(corpus)) throw new CheckpointException(corpus, "corpus file not found");
        int d = model.Config.HiddenSize;
        var contexts = Contexts(tok, corpus, contextLen).GetEnumerator();
        using var writer = new ActivationBuffer.Writer(d, bufferDir);
        long count = 0;
        while (count < maxVectors)
        {
            var group = new List<int[]>();
            while (group.Count < batch && contexts.MoveNext()) group.Add(contexts.Current);
            if (group.Count == 0) break;
            var tokens = TokenBatch.FromSequences(group, model.Config.PadTokenId, leftPad: false);
            var rows = Enumerable.Range(0, tokens.Batch).SelectMany(b => Enumerable.Range(1, group[b].Length - 1).Select(t => tokens.Row(b, t))).ToArray();
            var r = model.Forward(new ForwardRequest { Tokens = tokens, Reads = [new HookRead(new HookKey(HookPoint.ResidPre, layer), rows)] });
            var acts = r.Reads[new HookKey(HookPoint.ResidPre, layer)];
            int take = (int)Math.Min(rows.Length, maxVectors - count);
            writer.Append(acts.AsSpan(0, take * d));
            count += take;
            progress?.Invoke((int)count);
        }
        if (count == 0) throw new CheckpointException(corpus, "no text to harvest from");
        return writer.Finish(seed);
    }

    /// <summary>BOS + contextLen - 1 tokens per context, documents concatenated.</summary>
    private static IEnumerable<int[]> Contexts(ITextTokenizer tok, string corpus, int contextLen)
    {
        var pending = new List<int>();
        bool jsonl = corpus.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
        int lineNo = 0;
        foreach (var line in File.ReadLines(corpus))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string text = jsonl ? TextOf(corpus, lineNo, line) : line;
            pending.AddRange(tok.Encode(text + "\n", addBos: false));
            while (pending.Count >= contextLen - 1)
            {
                yield return [tok.BosId, .. pending.GetRange(0, contextLen - 1)];
                pending.RemoveRange(0, contextLen - 1);
            }
        }
    }

    private static string TextOf(string file, int lineNo, string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.GetProperty("text").GetString() ?? "";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CheckpointException(file, $"line {lineNo} is not a JSON object with a \"text\" string");
        }
    }
}
