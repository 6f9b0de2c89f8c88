using NativeTV.Transformer.Files;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Tokenization;

/// <summary>
/// Word-level tokenizer (the model organism's): one token per whitespace-separated word, and each
/// newline a token of its own. Saved as tokenizer.json in the Hugging Face layout (WordLevel model,
/// a Split pre-tokenizer with the same pattern this class uses) so outside tools can read the vocab;
/// unlike those tools, which map unknown words to unk_token, Encode rejects them.
/// </summary>
public sealed class WordLevelTokenizer : ITextTokenizer
{
    /// <summary>Pieces are runs of non-whitespace or single newlines; everything else separates.</summary>
    private const string PiecePattern = @"\S+|\n";
    private static readonly Regex Pieces = new(PiecePattern, RegexOptions.Compiled);

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;
    private readonly int _newline;

    public int BosId { get; }
    public int VocabSize => _tokens.Length;

    /// <summary>The tokenizer of a vocabulary, id = index; it must hold "&lt;bos&gt;".</summary>
    public WordLevelTokenizer(IReadOnlyList<string> tokens)
    {
        _tokens = [.. tokens];
        _ids = tokens.Select((t, id) => (t, id)).ToDictionary(x => x.t, x => x.id);
        BosId = _ids["<bos>"];
        _newline = _ids.GetValueOrDefault("\n", -1);
    }

    public IReadOnlyList<int> Encode(string text, bool addBos)
    {
        var ids = new List<int>();
        if (addBos) ids.Add(BosId);
        foreach (Match m in Pieces.Matches(text))
            ids.Add(_ids.TryGetValue(m.Value, out int id) ? id : throw new ArgumentException($"unknown word '{m.Value}': not in the tokenizer's vocabulary"));
        return ids;
    }

    /// <summary>Words joined by single spaces, newlines without spaces around them: the canonical text Encode reads back.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var sb = new System.Text.StringBuilder();
        int prev = -1;
        foreach (int id in ids)
        {
            if ((uint)id >= _tokens.Length) throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id outside the vocabulary of {_tokens.Length}");
            if (prev >= 0 && prev != _newline && id != _newline) sb.Append(' ');
            sb.Append(_tokens[id]);
            prev = id;
        }
        return sb.ToString();
    }

    /// <summary>Writes tokenizer.json atomically (temp file, then rename).</summary>
    public void Save(string path)
    {
        var vocab = new JsonObject();
        for (int id = 0; id < _tokens.Length; id++) vocab[_tokens[id]] = id;
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(),
            ["normalizer"] = null,
            ["pre_tokenizer"] = PreTokenizerJson(),
            ["post_processor"] = null,
            ["decoder"] = null,
            ["model"] = new JsonObject { ["type"] = "WordLevel", ["vocab"] = vocab, ["unk_token"] = "<pad>" },
        };
        AtomicFile.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Reads a tokenizer.json written by <see cref="Save"/>; any other layout is a <see cref="CheckpointException"/> naming the file.</summary>
    public static WordLevelTokenizer Load(string path) => FromJson(TokenizerJson.ParseObject(path), path);

    /// <summary>The tokenizer of a parsed tokenizer.json read from <paramref name="path"/>.</summary>
    public static WordLevelTokenizer FromJson(JsonObject o, string path)
    {
        if (o["model"] is not JsonObject model) throw new CheckpointException(path, "no \"model\" object");
        string? type = (model["type"] as JsonValue)?.TryGetValue(out string? t) == true ? t : null;
        if (type != "WordLevel") throw new CheckpointException(path, $"model type is {type ?? "missing"}, only WordLevel tokenizer.json files are supported");
        if (!JsonNode.DeepEquals(o["pre_tokenizer"], PreTokenizerJson()))
            throw new CheckpointException(path, $"pre_tokenizer is not the one this tokenizer implements (Split on {PiecePattern}, inverted, Removed)");
        return new WordLevelTokenizer(ReadVocab(path, model["vocab"]));
    }

    private static string[] ReadVocab(string path, JsonNode? node)
    {
        if (node is not JsonObject vocab || vocab.Count == 0) throw new CheckpointException(path, "model.vocab is missing or empty");
        var tokens = new string?[vocab.Count];
        foreach (var (token, idNode) in vocab)
        {
            if (idNode is not JsonValue v || !v.TryGetValue(out int id)) throw new CheckpointException(path, $"model.vocab id of '{token}' is not an integer");
            if ((uint)id >= tokens.Length) throw new CheckpointException(path, $"model.vocab id {id} of '{token}' is outside 0..{tokens.Length - 1} (ids must be dense)");
            if (tokens[id] is { } other) throw new CheckpointException(path, $"model.vocab id {id} is used by both '{other}' and '{token}'");
            if (token.Length == 0 || (token != "\n" && token.Any(char.IsWhiteSpace)))
                throw new CheckpointException(path, $"model.vocab token '{token}' (id {id}) can never be a piece: it is empty or holds whitespace");
            tokens[id] = token;
        }
        if (!vocab.ContainsKey("<bos>")) throw new CheckpointException(path, "model.vocab has no <bos> token");
        return tokens!;
    }

    private static JsonObject PreTokenizerJson() => new()
    {
        ["type"] = "Split",
        ["pattern"] = new JsonObject { ["Regex"] = PiecePattern },
        ["behavior"] = "Removed",
        ["invert"] = true,
    };
}
