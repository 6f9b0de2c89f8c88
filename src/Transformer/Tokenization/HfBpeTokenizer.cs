using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Tokenization;

/// <summary>
/// A tokenizer.json whose model is BPE (Gemma's, Llama-family fast tokenizers), as Hugging Face tokenizers
/// runs it: added tokens split off, each text between them normalized, then one word of characters (no
/// pre-tokenizer) merged by the merges' rank, leftmost first; characters outside the vocabulary become byte
/// tokens (byte_fallback) or one fused unknown. Decoding runs the file's decoder over the tokens.
/// </summary>
public sealed class HfBpeTokenizer : ITextTokenizer
{
    private readonly string[] _tokens;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocab;
    /// <summary>(left id, right id) packed in a long, to (rank, merged id).</summary>
    private readonly Dictionary<long, (int Rank, int Id)> _merges;
    private readonly AddedTokens _added;
    private readonly Func<string, string> _normalize;
    private readonly Func<List<string>, List<string>> _decode;
    private readonly int _unk;
    private readonly bool _byteFallback, _fuseUnk;
    private readonly int[] _byteIds = new int[256];

    public int BosId { get; }
    public bool AddsBos { get; }
    public int VocabSize => _tokens.Length;

    private HfBpeTokenizer(string[] tokens, Dictionary<string, int> vocab, Dictionary<long, (int, int)> merges, AddedTokens added,
        Func<string, string> normalize, Func<List<string>, List<string>> decode, int unk, bool byteFallback, bool fuseUnk, int bosId, bool addsBos)
    {
        (_tokens, _merges, _added, _normalize, _decode, _unk, _byteFallback, _fuseUnk, BosId, AddsBos) =
            (tokens, merges, added, normalize, decode, unk, byteFallback, fuseUnk, bosId, addsBos);
        _vocab = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        Array.Fill(_byteIds, -1);
        for (int b = 0; b < 256; b++) if (vocab.TryGetValue(ByteToken.Name((byte)b), out int id)) _byteIds[b] = id;
    }

    /// <summary>The tokenizer of a parsed tokenizer.json (model type BPE) read from <paramref name="path"/>, BOS as <paramref name="config"/> says.</summary>
    public static HfBpeTokenizer FromJson(JsonDocument doc, string path, TokenizerConfig config)
    {
        var root = TokenizerJson.AsObject(doc.RootElement, path);
        var model = (JsonObject)root["model"]!;
        foreach (var key in new[] { "dropout", "continuing_subword_prefix", "end_of_word_suffix" })
            if (model[key] is not null) throw new CheckpointException(path, $"BPE model sets \"{key}\", which is not supported");
        if (TokenizerJson.Bool(model, "ignore_merges", path) == true) throw new CheckpointException(path, "BPE model sets \"ignore_merges\", which is not supported");
        if (root["pre_tokenizer"] is not null) throw new CheckpointException(path, "pre_tokenizer is not supported (only files without one, as Gemma's and Llama's)");
        var modelElement = doc.RootElement.GetProperty("model");
        var vocab = ReadVocab(modelElement, path);
        var added = (root["added_tokens"] as JsonArray ?? []).Select(n => TokenizerJson.AddedToken(n, TokenizerJson.Int(n as JsonObject, "id", path) ?? -1, path)).ToList();
        var tokens = new string[Math.Max(vocab.Values.DefaultIfEmpty(-1).Max(), added.Select(a => a.Id).DefaultIfEmpty(-1).Max()) + 1];
        foreach (var (t, id) in vocab) tokens[id] = t;
        foreach (var a in added) tokens[a.Id] ??= a.Content;
        if (Array.IndexOf(tokens, null) is var hole and >= 0) throw new CheckpointException(path, $"token id {hole} is neither in model.vocab nor an added token (ids must be dense)");
        string? unkToken = TokenizerJson.String(model, "unk_token", path);
        int unk = unkToken is null ? -1 : vocab.TryGetValue(unkToken, out int u) ? u : throw new CheckpointException(path, $"unk_token '{unkToken}' is not in model.vocab");
        var (fileBos, fileAdds) = TemplateBos(root["post_processor"], vocab, path);
        var (bosId, addsBos) = config.Bos(t => vocab.TryGetValue(t, out int i) ? i : added.FirstOrDefault(a => a.Content == t)?.Id, fileBos, fileAdds);
        return new HfBpeTokenizer(tokens, vocab, ReadMerges(modelElement, vocab, path), new AddedTokens(added),
            HfNormalizer.Parse(root["normalizer"], path), HfDecoder.Parse(root["decoder"], path), unk,
            TokenizerJson.Bool(model, "byte_fallback", path) ?? false, TokenizerJson.Bool(model, "fuse_unk", path) ?? false, bosId, addsBos);
    }

    private static Dictionary<string, int> ReadVocab(JsonElement model, string path)
    {
        if (!model.TryGetProperty("vocab", out var node) || node.ValueKind != JsonValueKind.Object) throw new CheckpointException(path, "model.vocab is missing");
        var vocab = new Dictionary<string, int>();
        foreach (var p in node.EnumerateObject())
            vocab[p.Name] = p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out int id) && id >= 0 ? id
                : throw new CheckpointException(path, $"model.vocab id of '{p.Name}' is not a non-negative integer");
        return vocab;
    }

    /// <summary>Merges as "left right" strings (the older layout) or [left, right] pairs; rank is the position in the list.</summary>
    private static Dictionary<long, (int, int)> ReadMerges(JsonElement model, Dictionary<string, int> vocab, string path)
    {
        if (!model.TryGetProperty("merges", out var list) || list.ValueKind != JsonValueKind.Array) throw new CheckpointException(path, "model.merges is missing");
        var merges = new Dictionary<long, (int, int)>(list.GetArrayLength(), PairComparer.Instance);
        int rank = 0;
        foreach (var m in list.EnumerateArray())
        {
            string[] parts = m.ValueKind switch
            {
                JsonValueKind.String => m.GetString()!.Split(' '),
                JsonValueKind.Array => [.. m.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : "")],
                _ => [],
            };
            if (parts.Length != 2) throw new CheckpointException(path, $"model.merges[{rank}] is not a pair of tokens");
            int Id(string t) => vocab.TryGetValue(t, out int id) ? id : throw new CheckpointException(path, $"model.merges[{rank}]: '{t}' is not in model.vocab");
            merges.TryAdd(Pack(Id(parts[0]), Id(parts[1])), (rank, Id(parts[0] + parts[1])));
            rank++;
        }
        return merges;
    }

    /// <summary>A TemplateProcessing post-processor that starts a single text with a special token adds it as BOS.</summary>
    private static (int Id, bool Adds) TemplateBos(JsonNode? post, Dictionary<string, int> vocab, string path)
    {
        string? first = TokenizerJson.String(post?["single"]?.AsArray().FirstOrDefault()?["SpecialToken"] as JsonObject, "id", path);
        if (first != null && vocab.TryGetValue(first, out int id)) return (id, true);
        return (vocab.GetValueOrDefault("<bos>", vocab.GetValueOrDefault("<s>", -1)), false);
    }

    private static long Pack(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>long's own hash is left ^ right, which piles small id pairs into few buckets; this one mixes the bits.</summary>
    private sealed class PairComparer : IEqualityComparer<long>
    {
        public static readonly PairComparer Instance = new();
        public bool Equals(long a, long b) => a == b;
        public int GetHashCode(long key) => (int)((ulong)(key * unchecked((long)0x9E3779B97F4A7C15)) >> 32);
    }

    public IReadOnlyList<int> Encode(string text, bool addBos) => _added.Encode(text, addBos, BosId, EncodeSegment);

    private void EncodeSegment(string segment, List<int> ids)
    {
        string text = _normalize(segment);
        var s = new BpeSymbol[text.Length + 8];
        int n = 0;
        for (int i = 0; i < text.Length;)
        {
            if (n + 4 > s.Length) Array.Resize(ref s, s.Length * 2); // byte fallback may need up to 4 symbols per character
            int len = char.IsSurrogatePair(text, i) ? 2 : 1;
            if (_vocab.TryGetValue(text.AsSpan(i, len), out int id)) s[n++] = new BpeSymbol { Start = i, End = i + len, Id = id };
            else if (_byteFallback && Encoding.UTF8.GetBytes(text.Substring(i, len)) is var bytes && bytes.All(b => _byteIds[b] >= 0))
                foreach (byte b in bytes) s[n++] = new BpeSymbol { Start = i, End = i + len, Id = _byteIds[b] };
            else if (_unk < 0) throw new ArgumentException($"'{text.Substring(i, len)}' is not in the tokenizer's vocabulary and it has no unk_token");
            else if (_fuseUnk && n > 0 && s[n - 1].Id == _unk) s[n - 1].End = i + len;
            else s[n++] = new BpeSymbol { Start = i, End = i + len, Id = _unk };
            i += len;
        }
        BpeMerger.Link(s, n);
        BpeMerger.Merge(s, n, new Pairs(_merges));
        for (int i = n > 0 ? 0 : -1; i >= 0; i = s[i].Next) ids.Add(s[i].Id);
    }

    private readonly struct Pairs(Dictionary<long, (int Rank, int Id)> merges) : IBpePairs
    {
        public bool TryMerge(in BpeSymbol left, in BpeSymbol right, out int rank, out int mergedId)
        {
            bool found = merges.TryGetValue(Pack(left.Id, right.Id), out var m);
            (rank, mergedId) = m;
            return found;
        }
    }

    /// <summary>As transformers' decode(ids, skip_special_tokens=True): special added tokens dropped, the rest through the file's decoder.</summary>
    public string Decode(IEnumerable<int> ids) =>
        string.Concat(_decode([.. ids.Where(id => _added[Check(id)]?.Special != true).Select(id => _tokens[id])]));

    /// <summary>The token with the word marker read as the space it stands for, an ASCII byte token as its character.</summary>
    public string TokenText(int id) => ByteToken.Readable(_tokens[Check(id)]).Replace('\u2581', ' ');

    private int Check(int id) => (uint)id < _tokens.Length ? id : throw new ArgumentOutOfRangeException(nameof(id), id, $"token id outside the vocabulary of {_tokens.Length}");
}
