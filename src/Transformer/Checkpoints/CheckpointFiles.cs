using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace NativeTV.Transformer.Checkpoints;

/// <summary>
/// The checks every loader makes on the files it is pointed at, so each failure is one
/// <see cref="CheckpointException"/> naming the file: present and a file (not a folder), inside its
/// checkpoint folder, and JSON that is UTF-8 with no key given twice (a JSON object would keep the last silently).
/// </summary>
public static class CheckpointFiles
{
    public static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false };

    /// <param name="missingHint">Why the file is needed, added to "file not found".</param>
    public static void Require(string path, string? missingHint = null)
    {
        if (Directory.Exists(path)) throw new CheckpointException(path, "is a folder, expected a file");
        if (!File.Exists(path)) throw new CheckpointException(path, missingHint is null ? "file not found" : $"file not found ({missingHint})");
    }

    /// <summary><paramref name="relative"/> under <paramref name="dir"/>, refused when it is absolute or climbs out of it.</summary>
    /// <param name="source">The file that names the path (for the message).</param>
    public static string Inside(string dir, string relative, string source)
    {
        string root = Path.GetFullPath(dir), full = Path.GetFullPath(Path.Combine(root, relative));
        if (Path.IsPathRooted(relative) || !full.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new CheckpointException(source, $"'{relative}' is outside the checkpoint folder {root} (only files inside it are read)");
        return full;
    }

    public static void RequireUtf8(string path, ReadOnlySpan<byte> bytes, string what)
    {
        if (!Utf8.IsValid(bytes)) throw new CheckpointException(path, $"{what} is not valid UTF-8 (corrupt, or not the file it should be)");
    }

    /// <summary>A JSON file read strictly (UTF-8, no duplicate keys); malformed JSON names the file.</summary>
    public static JsonNode? ReadJson(string path, string? missingHint = null)
    {
        Require(path, missingHint);
        var bytes = File.ReadAllBytes(path);
        RequireUtf8(path, bytes, "the file");
        try { return JsonNode.Parse(bytes, documentOptions: StrictJson); }
        catch (JsonException e) { throw new CheckpointException(path, $"not valid JSON ({e.Message})"); }
    }
}
