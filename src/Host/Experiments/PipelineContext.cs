using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.Sae;
using NativeTV.Sae.Formats;
using NativeTV.Transformer.Model;
using NativeTV.Transformer.Organism;
using NativeTV.Transformer.TaskVectors;
using NativeTV.Transformer.Tokenization;

namespace NativeTV.Host.Experiments;

/// <summary>
/// What the feature experiments share: the model on its backend, its tokenizer, the tasks with their prompts
/// (built once, deterministic under the seed) and the SAEs by layer (loaded once). Disposing frees the device.
/// </summary>
public sealed class PipelineContext : IDisposable
{
    private readonly string? _saePattern;
    private readonly Dictionary<int, DeviceSae> _saes = [];
    private List<TaskPrompts>? _prompts;

    public string ModelDir { get; }
    public IBackend Backend { get; }
    public TransformerModel Model { get; }
    public ITextTokenizer Tokenizer { get; }
    public PromptBuilder Builder { get; }
    public IReadOnlyList<IclTask> Tasks { get; }
    public int Seed { get; }
    /// <summary>The organism, whose tasks are known exactly, so task specificity can be scored.</summary>
    public bool IsOrganism => Tokenizer is OrganismTokenizer;
    public int NFirst => Builder.Options.NFirst;

    private PipelineContext(string modelDir, IBackend be, TransformerModel m, ITextTokenizer tok, IReadOnlyList<IclTask> tasks, string? saePattern, PromptOptions prompts)
    {
        ModelDir = modelDir; Backend = be; Model = m; Tokenizer = tok; Tasks = tasks; _saePattern = saePattern; Seed = prompts.Seed;
        Builder = new PromptBuilder(tok, prompts);
    }

    /// <summary>Loads the model; prompts follow <see cref="PromptOptions.For"/> with the seed, then <paramref name="adjust"/>.</summary>
    public static PipelineContext Open(string modelDir, string device, IReadOnlyList<IclTask> tasks, string? sae, int seed, Func<PromptOptions, PromptOptions>? adjust = null)
    {
        var be = CommonOptions.CreateBackend(device);
        try
        {
            var m = TransformerModel.Load(modelDir, be);
            var tok = TokenizerLoader.Load(modelDir);
            var prompts = PromptOptions.For(tok) with { Seed = seed };
            return new PipelineContext(modelDir, be, m, tok, tasks, CommonOptions.SaePattern(sae, modelDir, tok), adjust?.Invoke(prompts) ?? prompts);
        }
        catch { be.Dispose(); throw; }
    }

    /// <summary>Every task's prompts (METHOD.md §1 sets), in task order.</summary>
    public IReadOnlyList<TaskPrompts> Prompts => _prompts ??= Tasks.Select(t => Builder.Build(t)).ToList();

    public void CheckLayer(int layer, string option)
    {
        if (layer < 0 || layer > Model.Config.Layers) throw new ArgumentException($"{option} {layer} is outside 0..{Model.Config.Layers}");
    }

    public string SaeDir(int layer) =>
        _saePattern?.Replace("{layer}", layer.ToString()) ?? throw new ArgumentException("--sae is required for models other than the organism");

    /// <summary>The SAE at resid_pre[layer], on the device.</summary>
    public DeviceSae Sae(int layer)
    {
        if (!_saes.TryGetValue(layer, out var s))
            _saes[layer] = s = new DeviceSae(SaeLoader.Load(SaeDir(layer), Model.Config.HiddenSize, layer), Backend);
        return s;
    }

    /// <summary>Figure captions: what model, SAE and layer made the numbers.</summary>
    public string Caption(int layer, string extra = "") =>
        $"{Path.GetFileName(Path.GetFullPath(ModelDir))}, SAE {Path.GetFileName(Path.GetFullPath(SaeDir(layer)))}, layer {layer}{extra}";

    public void Dispose()
    {
        foreach (var s in _saes.Values) s.Dispose();
        Model.Dispose();
        Backend.Dispose();
    }
}
