using System.Text.RegularExpressions;

namespace NativeTV.Host.Reports;

/// <summary>
/// RUN/maxact/maxact.L{layer}.json, written by `nativetv maxact`: for each feature of an SAE at one layer its
/// largest activation, how many corpus tokens it is active on, and its top examples (contexts with every
/// token's activation and the token it peaks on).
/// </summary>
public sealed record MaxActFile(string Model, string Sae, int Layer, string Corpus, int Contexts, long Tokens, MaxActFeature[] Features)
{
    public MaxActFeature? Feature(int id) => Features.FirstOrDefault(f => f.Id == id);

    /// <summary>Every maxact file of a run by layer, with its path; none when the run has no maxact/ folder.</summary>
    public static Dictionary<int, (string Path, MaxActFile File)> ReadAll(string runDir)
    {
        string dir = Path.Combine(runDir, "maxact");
        if (!Directory.Exists(dir)) return [];
        return Directory.GetFiles(dir, "maxact.L*.json")
            .Where(p => Regex.IsMatch(Path.GetFileName(p), @"^maxact\.L\d+\.json$"))
            .Select(p => (Path: p, File: Read(p)))
            .ToDictionary(x => x.File.Layer);
    }

    public static MaxActFile Read(string path)
    {
        var f = JsonFile.Read<MaxActFile>(path, "a maxact JSON written by `nativetv maxact`");
        foreach (var feature in f.Features)
            foreach (var e in feature.Examples)
                if (e.Activations.Length != e.Tokens.Length || e.Target < 0 || e.Target >= e.Tokens.Length)
                    throw new ArgumentException($"{path}: feature {feature.Id}: an example has {e.Tokens.Length} tokens, {e.Activations.Length} activations and target {e.Target}");
        return f;
    }
}

/// <summary>One feature's summary over the corpus and its top examples, largest first.</summary>
public sealed record MaxActFeature(int Id, double Max, long Count, MaxActExample[] Examples);

/// <summary>A context where the feature fires: its tokens, each token's activation, and the index of the token it peaks on.</summary>
public sealed record MaxActExample(double Activation, int Context, string[] Tokens, int Target, double[] Activations);
