using NativeTV.Transformer.Files;
using System.Text.Json;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// What cleaning leaves for a person to open: NAME.safetensors (the vector, with provenance metadata),
/// NAME.json (features with their weights, curves, losses), NAME.curve.csv and the post's bar chart of
/// normalised feature weights, reconstruction vs cleaned.
/// </summary>
public static class CleanedVectorFiles
{
    public static void Write(string dir, string name, CleaningResult r, IReadOnlyDictionary<string, string> provenance, object scores, double[]? specificity = null)
    {
        Directory.CreateDirectory(dir);
        string Path_(string ext) => Path.Combine(dir, name + ext);
        var w = new SafetensorsWriter();
        foreach (var (k, v) in provenance) w.AddMetadata(k, v);
        w.Add("vector", r.Vector, [r.Vector.Length]).Write(Path_(".safetensors"));

        var features = r.Features.Select((f, i) => new Dictionary<string, object?>
        {
            ["id"] = f.Id, ["weight"] = f.Weight, ["reconstruction_weight"] = f.ReconstructionWeight,
            ["task_specificity"] = specificity?[f.Id],
        }).ToList();
        var json = new Dictionary<string, object?>
        {
            ["provenance"] = provenance, ["scores"] = scores, ["reconstruction_l0"] = r.ReconstructionL0, ["l0"] = r.Features.Count,
            ["features"] = features,
            // Where the kept features came from: the reconstruction's own, strongest first, cleaned weight 0 where dropped.
            ["reconstruction_features"] = r.Reconstruction.Select(f => new { id = f.Id, reconstruction_weight = f.ReconstructionWeight, weight = f.Weight }),
            ["steps"] = r.Curve.Count, ["best_step"] = r.BestStep,
            // Said, not hidden: the vector kept is the best step's, and it can still be worse than where cleaning started.
            ["worse_than_reconstruction"] = r.WorseThanStart,
        };
        AtomicFile.WriteAllText(Path_(".json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        AtomicFile.WriteAllLines(Path_(".curve.csv"), ["step,loss,penalty,l0", .. r.Curve.Select(s => FormattableString.Invariant($"{s.Step},{s.Loss:G6},{s.Penalty:G6},{s.L0}"))]);

        if (r.Features.Count == 0) return;
        double recMax = r.Features.Max(f => Math.Abs(f.ReconstructionWeight)), cleanMax = r.Features.Max(f => Math.Abs(f.Weight));
        Figures.GroupedBars(Path.Combine(dir, name + ".features"), $"{name}: cleaned features", Caption(provenance), "weight / max weight",
            r.Features.Select(f => $"f{f.Id}").ToArray(),
            [("SAE reconstruction", r.Features.Select(f => recMax == 0 ? 0 : f.ReconstructionWeight / recMax).ToArray()),
             ("cleaned", r.Features.Select(f => f.Weight / cleanMax).ToArray())]);
    }

    /// <summary>The file-name stem of a task's cleaned vector at a layer: TASK.L{layer}, the task as <see cref="TaskFileName"/> writes it.</summary>
    public static string Name(string task, int layer) => $"{TaskFileName.Of(task)}.L{layer}";

    /// <summary>The layer in a cleaned vector's file name (TASK.L{layer}[.more]), or null.</summary>
    public static int? LayerOf(string fileName) =>
        System.Text.RegularExpressions.Regex.Match(fileName, @"\.L(\d+)\b") is { Success: true } m ? int.Parse(m.Groups[1].Value) : null;

    /// <summary>
    /// The vector and L0 of TASK.L{layer} in <paramref name="dir"/> when its provenance says it was cleaned with
    /// <paramref name="o"/> (as `sweep` records it), else null: a run's own cleaning, for later steps to reuse, not redo.
    /// </summary>
    public static CleanedVector? ReadIfCleanedWith(string dir, string task, int layer, CleaningOptions o)
    {
        string stem = Path.Combine(dir, Name(task, layer));
        if (!File.Exists(stem + ".json") || !File.Exists(stem + ".safetensors")) return null;
        var json = CleanedVectorJson.Read(stem + ".json");
        var want = o.AsSettings();
        want["task"] = task;
        want["layer"] = $"{layer}";
        if (want.Any(kv => json.Provenance.GetValueOrDefault(kv.Key) != kv.Value)) return null;
        using var f = new SafetensorsFile(stem + ".safetensors");
        return new CleanedVector(f.ReadFloats("vector"), json.L0);
    }

    public static string Caption(IReadOnlyDictionary<string, string> p) => string.Join(", ", p.Where(kv => kv.Key is "model" or "sae" or "layer" or "l1" or "lr").Select(kv => $"{kv.Key} {kv.Value}"));
}

/// <summary>A cleaned vector and its number of features.</summary>
public sealed record CleanedVector(float[] Vector, int L0);

/// <summary>NAME.json as <see cref="CleanedVectorFiles.Write"/> writes it, read back for the report.</summary>
public sealed record CleanedVectorJson(Dictionary<string, string> Provenance, JsonElement Scores, int ReconstructionL0, int L0, CleanedFeatureJson[] Features,
    bool WorseThanReconstruction = false, CleanedFeatureJson[]? ReconstructionFeatures = null)
{
    public static CleanedVectorJson Read(string path) => JsonFile.Read<CleanedVectorJson>(path, "a cleaned-vector JSON written by sweep or clean");
}

/// <summary>A feature of a cleaned vector: its cleaned weight, its weight in the SAE reconstruction of the TV, and its task specificity where measured.</summary>
public sealed record CleanedFeatureJson(int Id, double Weight, double ReconstructionWeight, double? TaskSpecificity = null);

