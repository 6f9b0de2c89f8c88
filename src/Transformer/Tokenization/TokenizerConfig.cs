using System.Text.Json.Nodes;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Tokenization;

/// <summary>
/// What a checkpoint folder says about tokenizing beside the vocabulary file, as transformers reads it:
/// tokenizer_config.json (add_bos_token, bos_token, added_tokens_decoder), added_tokens.json
/// ({"&lt;|user|&gt;": 32010, ...}) and config.json's bos_token_id. Every file is optional.
/// </summary>
public sealed record TokenizerConfig(bool? AddBosToken, string? BosToken, int? BosTokenId, IReadOnlyList<AddedToken> AddedTokens)
{
    public static TokenizerConfig Read(string modelDir)
    {
        string tc = Path.Combine(modelDir, "tokenizer_config.json"), at = Path.Combine(modelDir, "added_tokens.json"), mc = Path.Combine(modelDir, "config.json");
        var config = File.Exists(tc) ? TokenizerJson.ParseObject(tc) : null;
        var added = new Dictionary<int, AddedToken>();
        if (File.Exists(at))
            foreach (var (content, id) in TokenizerJson.ParseObject(at))
                added[Id(id, at, content)] = new AddedToken(content, Id(id, at, content), Special: false);
        if (config?["added_tokens_decoder"] is JsonObject decoder)
            foreach (var (key, node) in decoder)
                added[int.TryParse(key, out int id) ? id : throw new CheckpointException(tc, $"added_tokens_decoder key '{key}' is not a token id")] = TokenizerJson.AddedToken(node, id, tc);
        string? bos = config?["bos_token"] is JsonObject o ? TokenizerJson.String(o, "content", tc) : TokenizerJson.String(config, "bos_token", tc);
        int? bosId = File.Exists(mc) ? TokenizerJson.Int(TokenizerJson.ParseObject(mc), "bos_token_id", mc) : null;
        return new(TokenizerJson.Bool(config, "add_bos_token", tc), bos, bosId, [.. added.Values.OrderBy(a => a.Id)]);
    }

    private static int Id(JsonNode? node, string path, string content) =>
        node is JsonValue v && v.TryGetValue(out int id) && id >= 0 ? id : throw new CheckpointException(path, $"the id of '{content}' is not a non-negative integer");

    /// <summary>
    /// The BOS id and whether encoding adds it: tokenizer_config.json's bos_token, else config.json's bos_token_id,
    /// else the vocabulary file's own; add_bos_token, else the vocabulary file's own rule.
    /// </summary>
    public (int Id, bool Adds) Bos(Func<string, int?> idOf, int fileBosId, bool fileAddsBos) =>
        (BosToken is { } t && idOf(t) is int id ? id : BosTokenId ?? fileBosId, AddBosToken ?? fileAddsBos);
}
