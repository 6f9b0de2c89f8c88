using NativeTV.TaskVectors.Runs;
using System.Text.Json;

namespace NativeTV.TaskVectors.Experiments;

/// <summary>Feature id lists from the command line, a features JSON, or every cleaned vector of a run at one layer.</summary>
public static class FeatureLists
{
    /// <summary>
    /// What a --features option selects: the ids or features JSON given, else the union of the features
    /// cleaning kept at the layer in the run; each checked against the SAE's <paramref name="dSae"/> features.
    /// </summary>
    public static int[] Resolve(int[]? given, string runDir, int layer, int dSae) =>
        InRange(given ?? FromRun(runDir, layer), dSae);

    public static int[] FromJson(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.GetProperty("features").EnumerateArray().Select(e => e.GetProperty("id").GetInt32()).ToArray();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ArgumentException($"{path}: not a features JSON written by clean or sweep (needs \"features\": [{{\"id\": ...}}]): {e.Message}");
        }
    }

    /// <summary>The ids, after checking each is a feature of an SAE with <paramref name="dSae"/> features.</summary>
    public static int[] InRange(int[] ids, int dSae)
    {
        foreach (int i in ids)
            if (i < 0 || i >= dSae) throw new ArgumentException($"feature id {i} is outside the SAE's 0..{dSae - 1}");
        return ids;
    }

    public static int[] FromRun(string runDir, int layer) =>
        FromFolder(Path.Combine(runDir, "cleaned"), layer, "run `nativetv sweep` first or give --features");

    /// <summary>The union of the features kept in DIR/*.L{layer}.json (cleaned task or detector vectors).</summary>
    public static int[] FromFolder(string dir, int layer, string hint)
    {
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, $"*.L{layer}.json") : [];
        if (files.Length == 0) throw new ArgumentException($"no cleaned vectors at layer {layer} in {dir}: {hint}");
        return files.SelectMany(FromJson).Distinct().Order().ToArray();
    }

    /// <summary>For each feature kept in DIR/*.L{layer}.json, the tasks whose cleaned vectors kept it (by each file's provenance).</summary>
    public static Dictionary<int, string[]> KeptBy(string dir, int layer)
    {
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, $"*.L{layer}.json") : [];
        return files.SelectMany(f => FromJson(f).Select(id => (id, Task: CleanedVectorJson.Read(f).Provenance.GetValueOrDefault("task") ?? Path.GetFileNameWithoutExtension(f))))
            .GroupBy(x => x.id).ToDictionary(g => g.Key, g => g.Select(x => x.Task).Distinct().Order().ToArray());
    }
}
