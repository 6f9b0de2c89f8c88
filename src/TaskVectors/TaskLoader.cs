using System.Text;
using System.Text.Json;

namespace NativeTV.TaskVectors;

/// <summary>
/// Reads ICL tasks in the three public formats (METHOD.md §1), told apart by the top-level JSON token:
/// Hendel et al. (icl_task_vectors), one object <c>{"input": "output", ...}</c> whose keys repeat, read with
/// <see cref="Utf8JsonReader"/> so every pair survives in file order (a dictionary would drop duplicates);
/// and Todd et al. (function_vectors), an array of <c>{"input", "output"}</c> objects whose output may be a
/// list (the first is taken) and may carry a "split"; and Hernandez et al. (relations), an object whose
/// "samples" array holds {"subject", "object"} pairs. Every problem names the file.
/// </summary>
public static class TaskLoader
{
    /// <summary>
    /// The tasks of a .json file, or of every .json file under a folder (recursively, in ordinal path order).
    /// A task is named by its file name without extension; files that share a name are named by their path
    /// relative to the folder instead (e.g. <c>abstractive/antonym</c>).
    /// </summary>
    public static IReadOnlyList<IclTask> Load(string path)
    {
        if (File.Exists(path)) return [LoadFile(path, Path.GetFileNameWithoutExtension(path))];
        if (!Directory.Exists(path)) throw new FileNotFoundException($"{path}: no such task file or folder", path);
        var files = Directory.EnumerateFiles(path, "*.json", SearchOption.AllDirectories)
            .Select(f => (File: f, Rel: Path.GetRelativePath(path, f).Replace(Path.DirectorySeparatorChar, '/')))
            .OrderBy(f => f.Rel, StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new TaskFileException(path, "the folder holds no .json task files");
        var stems = files.GroupBy(f => Path.GetFileNameWithoutExtension(f.File), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return files.Select(f =>
        {
            string stem = Path.GetFileNameWithoutExtension(f.File);
            return LoadFile(f.File, stems[stem] == 1 ? stem : f.Rel[..^".json".Length]);
        }).ToList();
    }

    /// <summary>One task file under the given task name.</summary>
    public static IclTask LoadFile(string file, string name)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new TaskFileException(file, $"cannot be read ({e.Message})"); }
        var json = bytes.AsSpan();
        if (json.StartsWith(Encoding.UTF8.Preamble)) json = json[Encoding.UTF8.Preamble.Length..];

        var pairs = new List<(string, string)>();
        var splits = new List<string?>();
        try
        {
            var r = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!r.Read()) throw new TaskFileException(file, "the file is empty");
            switch (r.TokenType)
            {
                case JsonTokenType.StartObject when IsHernandez(r): ReadHernandez(ref r, file, pairs); break;
                case JsonTokenType.StartObject: ReadHendel(ref r, file, pairs); break;
                case JsonTokenType.StartArray: ReadTodd(ref r, file, pairs, splits); break;
                default: throw NeitherFormat(file, $"the top level is {Describe(r.TokenType)}");
            }
            if (r.Read()) throw new TaskFileException(file, "unexpected content after the top-level value");
        }
        catch (JsonException e)
        {
            throw new TaskFileException(file, $"malformed JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1} of the line ({Brief(e.Message)})");
        }
        if (pairs.Count == 0) throw new TaskFileException(file, "the task is empty: it has no pairs");
        return new IclTask(name, pairs, file, splits.Any(s => s != null) ? splits : null);
    }

    private static void ReadHendel(ref Utf8JsonReader r, string file, List<(string, string)> pairs)
    {
        while (Next(ref r) != JsonTokenType.EndObject)
        {
            string input = r.GetString()!;
            var t = Next(ref r);
            if (t != JsonTokenType.String)
                throw NeitherFormat(file, $"an object whose value for \"{Short(input)}\" is {Describe(t)}; the Hendel et al. format maps each input to one output string");
            Add(file, pairs, input, r.GetString()!, pairs.Count);
        }
    }

    /// <summary>Whether the object at <paramref name="r"/> has a top-level "samples" array (read on a copy, so nothing is consumed).</summary>
    private static bool IsHernandez(Utf8JsonReader r)
    {
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            bool samples = r.ValueTextEquals("samples"u8);
            if (!r.Read()) return false;
            if (samples && r.TokenType == JsonTokenType.StartArray) return true;
            r.Skip();
        }
        return false;
    }

    /// <summary>Hernandez et al. (relations): the pairs are "samples" [{"subject", "object"}]; the prompt templates and properties are not used, the pipeline builds its own prompts.</summary>
    private static void ReadHernandez(ref Utf8JsonReader r, string file, List<(string, string)> pairs)
    {
        while (Next(ref r) != JsonTokenType.EndObject)
        {
            bool samples = r.ValueTextEquals("samples"u8);
            var t = Next(ref r);
            if (!samples) { r.Skip(); continue; }
            for (t = Next(ref r); t != JsonTokenType.EndArray; t = Next(ref r))
            {
                int index = pairs.Count;
                if (t != JsonTokenType.StartObject) throw new TaskFileException(file, $"sample {index} is {Describe(t)}, not a {{\"subject\", \"object\"}} object");
                string? subject = null, obj = null;
                while (Next(ref r) != JsonTokenType.EndObject)
                {
                    string prop = r.GetString()!;
                    var vt = Next(ref r);
                    if (prop is not ("subject" or "object")) { r.Skip(); continue; }
                    if (vt != JsonTokenType.String) throw new TaskFileException(file, $"sample {index}: \"{prop}\" is {Describe(vt)}, not a string");
                    if (prop == "subject") subject = r.GetString(); else obj = r.GetString();
                }
                Add(file, pairs, subject ?? throw new TaskFileException(file, $"sample {index} has no \"subject\""),
                    obj ?? throw new TaskFileException(file, $"sample {index} (subject \"{Short(subject)}\") has no \"object\""), index);
            }
        }
    }

    private static void ReadTodd(ref Utf8JsonReader r, string file, List<(string, string)> pairs, List<string?> splits)
    {
        for (var t = Next(ref r); t != JsonTokenType.EndArray; t = Next(ref r))
        {
            int index = pairs.Count;
            if (t != JsonTokenType.StartObject)
                throw NeitherFormat(file, $"an array whose element {index} is {Describe(t)}; the Todd et al. format is an array of {{\"input\", \"output\"}} objects");
            string? input = null, output = null, split = null;
            while (Next(ref r) != JsonTokenType.EndObject)
            {
                string prop = r.GetString()!;
                var vt = Next(ref r);
                switch (prop)
                {
                    case "input":
                        input = vt is JsonTokenType.String ? r.GetString() : vt is JsonTokenType.Number ? Encoding.UTF8.GetString(r.ValueSpan) :
                            throw new TaskFileException(file, $"pair {index}: \"input\" is {Describe(vt)}, not a string");
                        break;
                    case "output":
                        output = ReadOutput(ref r, vt, file, index);
                        break;
                    case "split":
                        split = vt is JsonTokenType.String ? r.GetString() : vt is JsonTokenType.Null ? null :
                            throw new TaskFileException(file, $"pair {index}: \"split\" is {Describe(vt)}, not a string");
                        break;
                    default:
                        r.Skip();
                        break;
                }
            }
            if (input is null) throw new TaskFileException(file, $"pair {index} has no \"input\"");
            if (output is null) throw new TaskFileException(file, $"pair {index} (input \"{Short(input)}\") has no \"output\"");
            Add(file, pairs, input, output, index);
            splits.Add(split);
        }
    }

    /// <summary>A string, or the first string of a list (function_vectors lists several acceptable answers).</summary>
    private static string ReadOutput(ref Utf8JsonReader r, JsonTokenType t, string file, int index)
    {
        if (t is JsonTokenType.String) return r.GetString()!;
        if (t is JsonTokenType.Number) return Encoding.UTF8.GetString(r.ValueSpan);
        if (t is not JsonTokenType.StartArray) throw new TaskFileException(file, $"pair {index}: \"output\" is {Describe(t)}, not a string or a list of strings");
        string? first = null;
        for (var e = Next(ref r); e != JsonTokenType.EndArray; e = Next(ref r))
        {
            if (e is not JsonTokenType.String) throw new TaskFileException(file, $"pair {index}: \"output\" holds {Describe(e)}, not a string");
            first ??= r.GetString();
        }
        return first ?? throw new TaskFileException(file, $"pair {index} has an empty output (an empty list)");
    }

    private static void Add(string file, List<(string, string)> pairs, string input, string output, int index)
    {
        if (string.IsNullOrWhiteSpace(input)) throw new TaskFileException(file, $"pair {index} has an empty input");
        if (string.IsNullOrWhiteSpace(output)) throw new TaskFileException(file, $"pair {index} (input \"{Short(input)}\") has an empty output");
        pairs.Add((input, output));
    }

    /// <summary>The next token, skipping nothing; running out of input is malformed JSON.</summary>
    private static JsonTokenType Next(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new JsonException("unexpected end of the file");
        return r.TokenType;
    }

    private static TaskFileException NeitherFormat(string file, string what) => new(file,
        $"neither task format: {what} (expected a Hendel et al. object {{\"input\": \"output\", ...}}, a Todd et al. array [{{\"input\": ..., \"output\": ...}}, ...] or a Hernandez et al. object with \"samples\": [{{\"subject\": ..., \"object\": ...}}, ...])");

    private static string Describe(JsonTokenType t) => t switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => t.ToString(),
    };

    private static string Short(string s) => s.Length <= 40 ? s : s[..40] + "...";

    /// <summary>System.Text.Json's message without its own "LineNumber: ..." suffix, which we report 1-based instead.</summary>
    private static string Brief(string message)
    {
        int at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (at >= 0 ? message[..at] : message).TrimEnd('.', ' ');
    }
}
