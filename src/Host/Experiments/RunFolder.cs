using NativeTV.Transformer;
using System.Text.Json;

namespace NativeTV.Host.Experiments;

/// <summary>A run folder's settings.json: a rerun resumes only with the same settings once results exist, so no folder mixes results of two configurations.</summary>
public static class RunFolder
{
    public static void Prepare(string dir, IReadOnlyDictionary<string, string> settings, bool restart)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "settings.json");
        if (restart)
            foreach (var f in new[] { "results.jsonl", "results.csv" }) File.Delete(Path.Combine(dir, f));
        else if (File.Exists(path) && File.Exists(Path.Combine(dir, "results.jsonl")))
        {
            var old = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? [];
            var diff = settings.Where(kv => old.GetValueOrDefault(kv.Key) != kv.Value).Select(kv => $"{kv.Key} {old.GetValueOrDefault(kv.Key) ?? "(none)"} -> {kv.Value}").ToList();
            if (diff.Count > 0) throw new ArgumentException($"{dir} holds a run with other settings ({string.Join("; ", diff)}): use another --out, or --restart");
            return;
        }
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(settings, new JsonSerializerOptions { WriteIndented = true }));
    }
}
