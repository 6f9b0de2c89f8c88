using System.Text.Json;

namespace NativeTV.TaskVectors.Runs;

/// <summary>Reads the JSON files of a run folder into records (snake_case names, every constructor parameter required), naming the file in every error.</summary>
public static class JsonFile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true,
    };

    public static T Read<T>(string path, string what)
    {
        try { return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options) ?? throw new JsonException("the file holds null"); }
        catch (JsonException e) { throw new ArgumentException($"{path}: not {what}: {e.Message}"); }
    }
}
