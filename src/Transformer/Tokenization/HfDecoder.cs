using System.Text;
using System.Text.Json.Nodes;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Tokenization;

/// <summary>
/// A tokenizer.json "decoder" as Hugging Face tokenizers applies it to the list of token strings, for the kinds
/// Llama-family and Gemma files declare: Replace, ByteFallback, Fuse, Strip and Sequence of those.
/// Any other kind is refused naming the file.
/// </summary>
internal static class HfDecoder
{
    public static Func<List<string>, List<string>> Parse(JsonNode? node, string path)
    {
        if (node is null) return tokens => tokens;
        var (o, type) = TokenizerJson.Step(node, "decoder", path);
        switch (type)
        {
            case "Sequence":
                var steps = TokenizerJson.Steps(o, "decoders", path).Select(n => Parse(n, path)).ToArray();
                return tokens => steps.Aggregate(tokens, (acc, step) => step(acc));
            case "Replace":
                var (pattern, content) = LiteralReplace(o, path);
                return tokens => tokens.ConvertAll(t => t.Replace(pattern, content, StringComparison.Ordinal));
            case "ByteFallback":
                return ByteFallback;
            case "Fuse":
                return tokens => [string.Concat(tokens)];
            case "Strip":
                string strip = TokenizerJson.String(o, "content", path) ?? " ";
                int start = TokenizerJson.Int(o, "start", path) ?? 0, stop = TokenizerJson.Int(o, "stop", path) ?? 0;
                if (strip.Length != 1) throw new CheckpointException(path, "Strip decoder's \"content\" is not one character");
                return tokens => tokens.ConvertAll(t => Strip(t, strip[0], start, stop));
            default:
                throw new CheckpointException(path, $"decoder type {type} is not supported (only Replace, ByteFallback, Fuse, Strip and Sequence)");
        }
    }

    /// <summary>A Replace step's literal pattern and content (regex patterns are not supported).</summary>
    public static (string Pattern, string Content) LiteralReplace(JsonObject o, string path)
    {
        string pattern = TokenizerJson.String(o["pattern"] as JsonObject, "String", path)
            ?? throw new CheckpointException(path, "Replace has no literal {\"String\": ...} pattern (regex patterns are not supported)");
        if (pattern.Length == 0) throw new CheckpointException(path, "Replace pattern is empty");
        return (pattern, TokenizerJson.String(o, "content", path) ?? throw new CheckpointException(path, "Replace has no \"content\""));
    }

    /// <summary>Runs of &lt;0xXX&gt; tokens become their UTF-8 text, or one U+FFFD per byte when the run is not valid UTF-8.</summary>
    private static List<string> ByteFallback(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var run = new List<byte>();
        foreach (var t in tokens)
        {
            if (ByteToken.TryParse(t, out byte b)) { run.Add(b); continue; }
            Flush();
            result.Add(t);
        }
        Flush();
        return result;

        void Flush()
        {
            if (run.Count == 0) return;
            try { result.Add(Strict.GetString([.. run])); }
            catch (DecoderFallbackException) { result.AddRange(Enumerable.Repeat("\uFFFD", run.Count)); }
            run.Clear();
        }
    }

    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

    private static string Strip(string t, char c, int start, int stop)
    {
        int from = 0, to = t.Length;
        while (from < start && from < to && t[from] == c) from++;
        while (t.Length - to < stop && to > from && t[to - 1] == c) to--;
        return t[from..to];
    }
}
