using System.Text.Json.Nodes;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Tokenization;

/// <summary>
/// A tokenizer.json "normalizer" as Hugging Face tokenizers applies it, for the kinds Llama-family and Gemma
/// files declare: Replace of a literal string, Prepend (only to a non-empty text) and Sequence of those.
/// Any other kind is refused naming the file, rather than tokenizing inexactly.
/// </summary>
internal static class HfNormalizer
{
    public static Func<string, string> Parse(JsonNode? node, string path)
    {
        if (node is null) return s => s;
        var (o, type) = TokenizerJson.Step(node, "normalizer", path);
        switch (type)
        {
            case "Sequence":
                var steps = TokenizerJson.Steps(o, "normalizers", path).Select(n => Parse(n, path)).ToArray();
                return s => steps.Aggregate(s, (acc, step) => step(acc));
            case "Replace":
                var (pattern, content) = HfDecoder.LiteralReplace(o, path);
                return s => s.Replace(pattern, content, StringComparison.Ordinal);
            case "Prepend":
                string prefix = TokenizerJson.String(o, "prepend", path) ?? throw new CheckpointException(path, "Prepend normalizer has no \"prepend\"");
                return s => s.Length == 0 ? s : prefix + s;
            default:
                throw new CheckpointException(path, $"normalizer type {type} is not supported (only Replace, Prepend and Sequence)");
        }
    }
}
