using System.Text.Json.Nodes;

namespace NativeTV.Transformer.Checkpoints;

/// <summary>Typed reads of optional config.json fields: a value of the wrong type is an error naming the field and the value.</summary>
internal static class JsonFields
{
    public static T? Get<T>(JsonObject o, string key) where T : struct => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out T value) => value,
        var n => throw new ArgumentException($"{key} is {n.ToJsonString()}, expected {Kind<T>()}"),
    };

    public static string? String(JsonObject o, string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        var n => throw new ArgumentException($"{key} is {n.ToJsonString()}, expected a string"),
    };

    private static string Kind<T>() => typeof(T) == typeof(int) ? "an integer" : typeof(T) == typeof(bool) ? "true or false" : "a number";
}
