using System.Text.Json;

namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// RUN/settings.json read back: the sweep's model, tasks, SAE pattern, prompt format and seed, which every command after
/// the sweep uses, so the feature experiments study the prompts the sweep built. Paths are tried as recorded and then
/// relative to the run folder's parent, so a run folder moved along with its model still opens.
/// </summary>
public sealed class RunSettings(string runDir, IReadOnlyDictionary<string, string> values)
{
    /// <summary>The settings of a run folder, or null when it has none (not made by `sweep`).</summary>
    public static RunSettings? Read(string runDir)
    {
        string path = Path.Combine(runDir, "settings.json");
        if (!File.Exists(path)) return null;
        try { return new RunSettings(runDir, JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? []); }
        catch (JsonException e) { throw new FormatException($"{path}: not a settings file written by sweep ({e.Message})"); }
    }

    /// <summary>A recorded value, null where absent or empty (no SAE pattern, no tasks path).</summary>
    public string? Get(string key) => values.TryGetValue(key, out var v) && v != "" ? v : null;

    /// <summary>A recorded text as it is, empty included (the organism's prompt prefix is "").</summary>
    public string? Text(string key) => values.GetValueOrDefault(key);

    /// <summary>A recorded path that exists: as recorded, else its last parts under the run folder's parent.</summary>
    public string? ExistingPath(string key)
    {
        if (Get(key) is not { } p) return null;
        if (Directory.Exists(p) || File.Exists(p)) return p;
        string moved = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(runDir))!, Path.GetFileName(p.TrimEnd('/')));
        return Directory.Exists(moved) || File.Exists(moved) ? moved : p;
    }

    public int? Int(string key) => int.TryParse(Get(key), out int v) ? v : null;

    /// <summary>The ICL / cleaning / evaluation prompt counts, recorded as "16/24/32".</summary>
    public (int Icl, int Clean, int Eval)? Prompts => Get("prompts")?.Split('/') is [var a, var b, var c] && int.TryParse(a, out int i) && int.TryParse(b, out int cl) && int.TryParse(c, out int e)
        ? (i, cl, e) : null;
}
