using System.Text.Json;
using System.Text.Json.Nodes;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Tokenization;

/// <summary>Reading the JSON files of a tokenizer (tokenizer.json, tokenizer_config.json, ...), every problem a <see cref="CheckpointException"/> naming the file.</summary>
internal static class TokenizerJson
{
    /// <summary>The parsed file, for reading big parts (a 256k vocabulary) without building a node per entry.</summary>
    public static JsonDocument ParseDocument(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, "file not found");
        try { return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowDuplicateProperties = false }); }
        catch (JsonException e) { throw new CheckpointException(path, $"not valid JSON ({e.Message})"); }
    }

    public static JsonObject ParseObject(string path) => AsObject(ParseDocument(path).RootElement, path);

    /// <summary>The top-level object as nodes made lazily, part by part, as they are read.</summary>
    public static JsonObject AsObject(JsonElement root, string path) =>
        root.ValueKind == JsonValueKind.Object ? JsonObject.Create(root)! : throw new CheckpointException(path, "the top level is not a JSON object");

    /// <summary>The string at <paramref name="key"/> of <paramref name="o"/>, null when absent or null; any other kind is an error.</summary>
    public static string? String(JsonObject? o, string key, string path) => o?[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        var other => throw new CheckpointException(path, $"\"{key}\" is {other.GetValueKind()}, not a string"),
    };

    public static bool? Bool(JsonObject? o, string key, string path) => o?[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out bool b) => b,
        var other => throw new CheckpointException(path, $"\"{key}\" is {other.GetValueKind()}, not true or false"),
    };

    public static int? Int(JsonObject? o, string key, string path) => o?[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out int i) => i,
        var other => throw new CheckpointException(path, $"\"{key}\" is {other.GetValueKind()} {other.ToJsonString()}, not an integer"),
    };

    /// <summary>A pipeline step (a normalizer, a decoder): its object and its "type".</summary>
    public static (JsonObject O, string Type) Step(JsonNode node, string what, string path)
    {
        var o = node as JsonObject ?? throw new CheckpointException(path, $"{what} is not an object");
        return (o, String(o, "type", path) ?? "missing");
    }

    /// <summary>The steps of a Sequence step, listed under <paramref name="key"/>.</summary>
    public static JsonArray Steps(JsonObject sequence, string key, string path) =>
        sequence[key] as JsonArray ?? throw new CheckpointException(path, $"a Sequence has no \"{key}\" list");

    /// <summary>An added token as tokenizer.json's added_tokens and tokenizer_config.json's added_tokens_decoder write it.</summary>
    public static AddedToken AddedToken(JsonNode? node, int id, string path)
    {
        var o = node as JsonObject ?? throw new CheckpointException(path, $"added token {id} is not an object");
        string content = String(o, "content", path) ?? throw new CheckpointException(path, $"added token {id} has no \"content\"");
        return new AddedToken(content, id, Bool(o, "special", path) ?? false, Bool(o, "lstrip", path) ?? false, Bool(o, "rstrip", path) ?? false);
    }
}
