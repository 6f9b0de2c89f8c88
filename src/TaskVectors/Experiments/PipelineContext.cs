using NativeTV.TaskVectors.Runs;
using NativeTV.Kernels;
using NativeTV.Sae;
using NativeTV.Sae.Formats;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;
using NativeTV.Transformer.Tokenization;

namespace NativeTV.TaskVectors.Experiments;

/// <summary>Prompts per task and set (METHOD.md §1): ICL prompts for the task vector, cleaning prompts, held-out evaluation prompts.</summary>
public sealed record PromptCounts(int Icl = 16, int Clean = 24, int Eval = 32);

/// <summary>
/// What every pipeline command shares: the model on its backend, its tokenizer and manifest, the tasks with their
/// prompts (built once, deterministic under the seed) and the SAEs by layer (loaded once, each checked against the
/// layer it is used at). Opened without weights (`sweep --finish`, which computes nothing) it reads only the folder's
/// config.json and manifest: the model and tokenizer are then absent, and asking for them is an error. Disposing frees the device.
/// </summary>
public sealed class PipelineContext : IDisposable
{
    private readonly string? _saePattern;
    private readonly Dictionary<int, DeviceSae?> _saes = [];
    private List<TaskPrompts>? _prompts;
    private List<(string, IReadOnlyList<Prompt>)>? _specificity;
    private readonly TransformerModel? _model;
    private readonly ITextTokenizer? _tokenizer;
    private PromptBuilder? _builder;

    public string ModelDir { get; }
    public ModelManifest Manifest { get; }
    public IBackend Backend { get; }
    /// <summary>The model's config.json, read without its weights.</summary>
    public ModelConfig Config { get; }
    public TransformerModel Model => _model ?? throw NotLoaded("weights");
    public ITextTokenizer Tokenizer => _tokenizer ?? throw NotLoaded("tokenizer");
    public PromptOptions PromptOptions { get; }
    public PromptBuilder Builder => _builder ??= new PromptBuilder(Tokenizer, PromptOptions);
    public IReadOnlyList<IclTask> Tasks { get; }
    public int Seed => PromptOptions.Seed;
    public int NFirst => PromptOptions.NFirst;
    public PromptCounts Counts { get; }
    /// <summary>The SAE folder pattern with {layer}, or null when the model has none.</summary>
    public string? SaePattern => _saePattern;

    private PipelineContext(string modelDir, ModelManifest manifest, IBackend be, ModelConfig config, TransformerModel? m, ITextTokenizer? tok, IReadOnlyList<IclTask> tasks,
        string? saePattern, PromptOptions prompts, PromptCounts counts)
    {
        ModelDir = modelDir; Manifest = manifest; Backend = be; Config = config; _model = m; _tokenizer = tok; Tasks = tasks; _saePattern = saePattern; Counts = counts;
        PromptOptions = prompts;
    }

    private InvalidOperationException NotLoaded(string what) => new($"{ModelDir}: the pipeline was opened without the model's weights and tokenizer, so its {what} cannot be used");

    /// <summary>False for a <see cref="WithSeed"/> view, which shares the device with the context that owns it.</summary>
    private readonly bool _owner = true;

    private PipelineContext(PipelineContext of, int seed) : this(of.ModelDir, of.Manifest, of.Backend, of.Config, of._model, of._tokenizer, of.Tasks, of._saePattern,
        of.PromptOptions with { Seed = seed }, of.Counts)
    {
        _saes = of._saes;
        _owner = false;
    }

    /// <summary>
    /// The same model, tasks and SAEs (loaded once, shared) with prompts sampled under another seed, as
    /// `sweep --repeats` needs; disposing it frees nothing, the context it came from owns the device.
    /// </summary>
    public PipelineContext WithSeed(int seed) => new(this, seed);

    /// <summary>
    /// Loads the model on <paramref name="device"/> (every op timed when <paramref name="profile"/>, see <see cref="ProfilingBackend"/>). Prompts follow METHOD.md, then the model's manifest, then the seed, then
    /// <paramref name="adjust"/>; the SAE pattern is <paramref name="sae"/> or the manifest's. Without <paramref name="weights"/>
    /// neither the model nor its tokenizer is loaded (the backend is still made: it names the precision and the environment).
    /// </summary>
    public static PipelineContext Open(string modelDir, string device, IReadOnlyList<IclTask> tasks, string? sae, int seed,
        Func<PromptOptions, PromptOptions>? adjust = null, PromptCounts? counts = null, bool profile = false, bool weights = true)
    {
        var manifest = ModelManifest.Read(modelDir);
        var config = ModelConfig.Load(Path.Combine(modelDir, "config.json"));
        var be = BackendFactory.Create(device);
        if (profile) be = new ProfilingBackend(be);
        TransformerModel? m = null;
        try
        {
            m = weights ? TransformerModel.Load(modelDir, be) : null;
            var tok = weights ? TokenizerLoader.Load(modelDir) : null;
            var prompts = manifest.Prompts() with { Seed = seed };
            return new PipelineContext(modelDir, manifest, be, config, m, tok, tasks, sae ?? manifest.SaePattern, adjust?.Invoke(prompts) ?? prompts, counts ?? new());
        }
        catch { m?.Dispose(); be.Dispose(); throw; }
    }

    /// <summary>The tasks a model folder's manifest names, for commands given no --tasks.</summary>
    public static IReadOnlyList<IclTask> DefaultTasks(string modelDir) =>
        ModelManifest.Read(modelDir).TasksPath is { } path ? TaskLoader.Load(path)
            : throw new ArgumentException($"--tasks is required: {modelDir} has no {ModelManifest.FileName} naming its tasks");

    /// <summary>Every task's prompts (METHOD.md §1 sets), in task order.</summary>
    public IReadOnlyList<TaskPrompts> Prompts => _prompts ??= Tasks.Select(t => Builder.Build(t, Counts.Icl, Counts.Clean, Counts.Eval)).ToList();

    /// <summary>
    /// Per task, the ICL prompts task specificity is measured on (<see cref="TaskVectors.SpecificityPrompts"/>): as many as
    /// its task vector's, none of them one that built a vector.
    /// </summary>
    public IReadOnlyList<(string Task, IReadOnlyList<Prompt> Icl)> SpecificityPrompts =>
        _specificity ??= Prompts.Select(p => (p.Task.Name, TaskVectors.SpecificityPrompts.Build(Builder, p, Counts.Icl))).ToList();

    /// <summary>METHOD.md §3 on <paramref name="prompts"/> (mean loss over the answer's first n tokens, first-token accuracy), optionally steered.</summary>
    public ScoreSummary Score(IReadOnlyList<Prompt> prompts, Steer? steer = null) => ScoreSummary.Of(PromptScorer.Score(Model, prompts, steer, NFirst));

    /// <summary>The task vector of <paramref name="t"/> at <paramref name="layer"/>: the mean resid_pre over every separator of its ICL prompts.</summary>
    public float[] TaskVector(TaskPrompts t, int layer) => TaskVectorExtractor.Mean(Model, t.Icl, [layer], lastOnly: false)[0];

    public void CheckLayer(int layer, string option)
    {
        if (layer < 0 || layer > Config.Layers) throw new ArgumentException($"{option} {layer} is outside 0..{Config.Layers}");
    }

    public string SaeDir(int layer) =>
        _saePattern?.Replace("{layer}", layer.ToString()) ?? throw new ArgumentException($"--sae is required: {ModelDir} has no {ModelManifest.FileName} naming its SAEs");

    /// <summary>The SAE at resid_pre[layer], on the device.</summary>
    public DeviceSae Sae(int layer) => SaeOrNull(layer) ?? throw new ArgumentException($"{SaeDir(layer)}: no SAE folder for layer {layer}");

    /// <summary>The SAE at resid_pre[layer], or null where the pattern names no existing folder (the sweep skips the SAE methods there).</summary>
    public DeviceSae? SaeOrNull(int layer)
    {
        if (_saes.TryGetValue(layer, out var s)) return s;
        string? dir = _saePattern?.Replace("{layer}", layer.ToString());
        return _saes[layer] = dir != null && Directory.Exists(dir) ? new DeviceSae(SaeLoader.Load(dir, Config.HiddenSize, layer), Backend) : null;
    }

    /// <summary>The corpus for max-activating examples: the one given, else the manifest's, else null.</summary>
    public string? Corpus(string? given) => given ?? Manifest.CorpusPath;

    /// <summary>Figure captions: what model, SAE and layer made the numbers.</summary>
    public string Caption(int layer, string extra = "") =>
        $"{Path.GetFileName(Path.GetFullPath(ModelDir))}, SAE {Path.GetFileName(Path.GetFullPath(SaeDir(layer)))}, layer {layer}{extra}";

    public void Dispose()
    {
        if (!_owner) return;
        foreach (var s in _saes.Values) s?.Dispose();
        _model?.Dispose();
        Backend.Dispose();
    }
}
