using NativeTV.TaskVectors.Runs;
using System.Text.Json;
using System.Text.RegularExpressions;
using NativeTV.Transformer.Files;

namespace NativeTV.TaskVectors.Experiments;

/// <summary>
/// One max-activating example: the feature's <paramref name="Activation"/> at the token
/// <paramref name="Tokens"/>[<paramref name="Target"/>] of context <paramref name="Context"/> (its index in
/// the corpus stream), with the window of token strings around it and the feature's activation at each
/// (0 at BOS, which is never encoded).
/// </summary>
public sealed record MaxActExample(float Activation, int Context, string[] Tokens, int Target, float[] Activations);

/// <summary>
/// A feature over the corpus: its largest activation, the number of tokens where it fired (&gt; 0), and its
/// top examples, largest first, at most one per context.
/// </summary>
public sealed record FeatureMaxAct(int Id, float Max, long Count, MaxActExample[] Examples);

/// <summary>
/// The max-activating examples of a set of features over a corpus (<see cref="MaxActivations"/>), with
/// where they came from: model and SAE folders, the layer, the corpus, and how many contexts and encoded
/// tokens (BOS left out) the pass covered.
/// </summary>
public sealed record MaxActResult(string Model, string Sae, int Layer, string Corpus, int Contexts, long Tokens, FeatureMaxAct[] Features)
{
    // Relaxed escaping keeps tokens such as "<bos>" and "->" readable in the file; it is never embedded in HTML.
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// maxact.L{layer}.json, read by the report: {"model", "sae", "layer", "corpus", "contexts", "tokens",
    /// "features": [{"id", "max", "count", "examples": [{"activation", "context", "tokens", "target", "activations"}]}]}.
    /// </summary>
    public void WriteJson(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public FeatureMaxAct? Feature(int id) => Features.FirstOrDefault(f => f.Id == id);

    /// <summary>A maxact JSON read back (every field required), each example checked for a consistent window; errors name the file.</summary>
    public static MaxActResult Read(string path)
    {
        var r = JsonFile.Read<MaxActResult>(path, "a maxact JSON written by `nativetv maxact`");
        foreach (var feature in r.Features)
            foreach (var e in feature.Examples)
                if (e.Activations.Length != e.Tokens.Length || e.Target < 0 || e.Target >= e.Tokens.Length)
                    throw new ArgumentException($"{path}: feature {feature.Id}: an example has {e.Tokens.Length} tokens, {e.Activations.Length} activations and target {e.Target}");
        return r;
    }

    /// <summary>Every RUN/maxact/maxact.L{layer}.json by layer, with its path; none when the run has no maxact/ folder.</summary>
    public static Dictionary<int, (string Path, MaxActResult File)> ReadAll(string runDir)
    {
        string dir = Path.Combine(runDir, "maxact");
        if (!Directory.Exists(dir)) return [];
        return Directory.GetFiles(dir, "maxact.L*.json")
            .Where(p => Regex.IsMatch(Path.GetFileName(p), @"^maxact\.L\d+\.json$"))
            .Select(p => (Path: p, File: Read(p)))
            .ToDictionary(x => x.File.Layer);
    }
}
