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
        int d = model.Config.HiddenSize;
        var contexts = Contexts(tok, corpus, contextLen).GetEnumerator();
        using var writer = new ActivationBuffer.Writer(d, bufferDir);
        long count = 0;
        while (count < maxVectors)
        {
            var group = new List<int[]>();
            while (group.Count < batch && contexts.MoveNext()) group.Add(contexts.Current);
            if (group.Count == 0) break;
            var acts = Residuals(model, group, layer);
            int take = (int)Math.Min(acts.Length / d, maxVectors - count);
            writer.Append(acts.AsSpan(0, take * d));
            count += take;
            progress?.Invoke((int)count);
        }
        if (count == 0) throw new CheckpointException(corpus, "no text to harvest from");
        return writer.Finish(seed);
    }

    /// <summary>
    /// resid_pre[layer] at every token of each context but its first (BOS), from one forward of the batch:
    /// [sum of (length - 1), d_model], context after context in order.
    /// </summary>
    public static float[] Residuals(TransformerModel model, IReadOnlyList<int[]> contexts, int layer)
    {
        var tokens = TokenBatch.FromSequences(contexts, model.Config.PadTokenId, leftPad: false);
        var rows = Enumerable.Range(0, tokens.Batch).SelectMany(b => Enumerable.Range(1, contexts[b].Length - 1).Select(t => tokens.Row(b, t))).ToArray();
        var key = new HookKey(HookPoint.ResidPre, layer);
        return model.Forward(new ForwardRequest { Tokens = tokens, Reads = [new HookRead(key, rows)] }).Reads[key];
    }

    /// <summary>
    /// The corpus as a stream of contexts: BOS + contextLen - 1 tokens each, documents concatenated (each
    /// followed by a newline), a last partial context dropped. A missing file is reported here, not on the first read.
    /// </summary>
    public static IEnumerable<int[]> Contexts(ITextTokenizer tok, string corpus, int contextLen)
    {
        if (!File.Exists(corpus)) throw new CheckpointException(corpus, "corpus file not found");
        if (contextLen < 2) throw new ArgumentException($"a context needs at least 2 tokens (BOS and one more), got {contextLen}");
        return Stream(tok, corpus, contextLen);
    }

    private static IEnumerable<int[]> Stream(ITextTokenizer tok, string corpus, int contextLen)
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
