using System.Text.Json;

namespace NativeTV.Host.Experiments;

/// <summary>Feature id lists from the command line, a features JSON, or every cleaned vector of a run at one layer.</summary>
public static class FeatureLists
{
    /// <summary>
    /// What a --features option selects: the ids or features JSON given, else the union of the features
    /// cleaning kept at the layer in the run; each checked against the SAE's <paramref name="dSae"/> features.
    /// </summary>
    public static int[] Resolve(string? given, string runDir, int layer, int dSae) =>
        InRange(given is null ? FromRun(runDir, layer) : Parse(given), dSae);

    /// <summary>Ids ("3,5-7") or, for anything else, the features JSON it names.</summary>
    public static int[] Parse(string s) =>
        s.All(c => char.IsAsciiDigit(c) || c is ',' or '-' or ' ') ? Cli.Parse.IntList(s, "--features")
        : File.Exists(s) ? FromJson(s)
        : throw new FileNotFoundException($"--features: no file {s} (give feature ids like 3,5-7 or a features JSON)");

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
}
