using System.Text.Json;
using System.Text.Json.Serialization;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.TaskVectors;

/// <summary>
/// MODEL/nativetv.json, optional: a model folder's defaults for the pipeline, so any model (the organism is the
/// first) gets its own prompt format, SAEs, corpus and tasks without code that asks which model it is.
/// <code>{"shots": 8, "prefix": "", "detector_example": [",", ","], "sae": "sae-l{layer}", "corpus": "corpus.jsonl", "tasks": "tasks",
///  "cleaning": {"l1": 0.01, "lr": 0.05, "steps": 200}, "detector_cleaning": {"lr": 0.2, "steps": 80}}</code>
/// Paths are relative to the model folder. Every field is optional; options given on the command line win.
/// </summary>
public sealed record ModelManifest
{
    public const string FileName = "nativetv.json";

    /// <summary>Demonstrations per ICL prompt (METHOD.md: 19).</summary>
    public int? Shots { get; init; }
    /// <summary>Prompt prefix (METHOD.md: "Follow the pattern:\n").</summary>
    public string? Prefix { get; init; }
    /// <summary>The detector prompts' generic example, [input, output] (METHOD.md: X -> Y).</summary>
    public string[]? DetectorExample { get; init; }
    /// <summary>SAE folder pattern with {layer}.</summary>
    public string? Sae { get; init; }
    /// <summary>Text corpus (JSON lines with "text") for max-activating examples.</summary>
    public string? Corpus { get; init; }
    /// <summary>A task file or folder: the default tasks.</summary>
    public string? Tasks { get; init; }
    /// <summary>Tasks left out of means over tasks (the organism's singular, solved without steering: ORGANISM.md).</summary>
    public string[]? MeanExcludes { get; init; }
    /// <summary>This model's cleaning recipe, where it differs from METHOD.md's (the authors').</summary>
    public CleaningDefaults? Cleaning { get; init; }
    /// <summary>This model's recipe for cleaning task detectors, where it differs from METHOD.md §7's.</summary>
    public CleaningDefaults? DetectorCleaning { get; init; }

    [JsonIgnore] public string ModelDir { get; private init; } = "";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The manifest of a model folder; an empty one when it has none.</summary>
    public static ModelManifest Read(string modelDir)
    {
        string path = Path.Combine(modelDir, FileName);
        if (!File.Exists(path)) return new ModelManifest { ModelDir = modelDir };
        ModelManifest m;
        try { m = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(path), Json) ?? throw new JsonException("the file holds null"); }
        catch (JsonException e) { throw new CheckpointException(path, $"not a NativeTV manifest ({e.Message})"); }
        if (m.Shots is < 1) throw new CheckpointException(path, $"shots must be at least 1, not {m.Shots}");
        if (m.DetectorExample is { Length: not 2 }) throw new CheckpointException(path, "detector_example must be [input, output]");
        return m with { ModelDir = modelDir };
    }

    public void Write(string path) => Transformer.Files.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>METHOD.md's prompt format with this model's defaults.</summary>
    public PromptOptions Prompts()
    {
        var o = new PromptOptions();
        if (Shots is { } s) o = o with { Shots = s };
        if (Prefix is { } p) o = o with { Prefix = p };
        if (DetectorExample is [var i, var y]) o = o with { DetectorExample = (i, y) };
        return o;
    }

    public string? SaePattern => Resolve(Sae);
    public string? CorpusPath => Resolve(Corpus);
    public string? TasksPath => Resolve(Tasks);

    private string? Resolve(string? relative) => relative is null ? null : Path.Combine(ModelDir, relative);
}

/// <summary>A model's cleaning recipe in its manifest: each value given replaces METHOD.md's.</summary>
public sealed record CleaningDefaults(float? L1 = null, float? Lr = null, int? Steps = null, int? Patience = null);
