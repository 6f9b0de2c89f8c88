using System.Text.Json.Nodes;
using NativeTV.Kernels;

namespace NativeTV.Transformer.Checkpoints;

/// <summary>
/// A Hugging Face checkpoint folder: config.json plus model.safetensors or a sharded
/// model.safetensors.index.json. Tensors are memory-mapped views, looked up by name with their shape checked.
/// </summary>
public sealed class Checkpoint : ITensorSource, IDisposable
{
    public string Dir { get; }
    public ModelConfig Config { get; }
    private readonly Dictionary<string, SafetensorsFile> _fileOf = [];
    private readonly List<SafetensorsFile> _files = [];

    private Checkpoint(string dir, ModelConfig config) { Dir = dir; Config = config; }

    public static Checkpoint Open(string dir)
    {
        if (!Directory.Exists(dir)) throw new CheckpointException(dir, "checkpoint folder not found");
        var ck = new Checkpoint(dir, ModelConfig.Load(Path.Combine(dir, "config.json")));
        try { ck.OpenFiles(); }
        catch { ck.Dispose(); throw; }
        return ck;
    }

    private void OpenFiles()
    {
        string single = Path.Combine(Dir, "model.safetensors"), index = Path.Combine(Dir, "model.safetensors.index.json");
        if (Path.Exists(single))
        {
            var f = new SafetensorsFile(single);
            _files.Add(f);
            foreach (var name in f.Tensors.Keys) _fileOf[name] = f;
            return;
        }
        if (!Path.Exists(index)) throw new CheckpointException(Dir, "neither model.safetensors nor model.safetensors.index.json is present");
        if (CheckpointFiles.ReadJson(index)?["weight_map"] is not JsonObject map) throw new CheckpointException(index, "bad index (no weight_map object)");
        var shards = new Dictionary<string, SafetensorsFile>();
        foreach (var (name, fileNode) in map)
        {
            string file = fileNode is JsonValue v && v.TryGetValue(out string? s) ? s
                : throw new CheckpointException(index, $"weight_map gives {fileNode?.ToJsonString() ?? "null"} for '{name}', expected a shard file name");
            if (!shards.TryGetValue(file, out var f))
            {
                f = new SafetensorsFile(CheckpointFiles.Inside(Dir, file, index));
                shards[file] = f;
                _files.Add(f);
            }
            if (!f.Contains(name)) throw new CheckpointException(f.Path, $"missing tensor '{name}' (the index places it in this shard)");
            _fileOf[name] = f;
        }
    }

    public bool Contains(string name) => _fileOf.ContainsKey(name);

    /// <summary>The tensor, checked to have exactly <paramref name="shape"/>.</summary>
    public HostTensor Get(string name, params long[] shape)
    {
        if (!_fileOf.TryGetValue(name, out var f))
            throw new CheckpointException(Dir, $"missing tensor '{name}' in {string.Join(", ", _files.Select(x => Path.GetFileName(x.Path)))}");
        var t = f.Get(name);
        if (!t.Shape.SequenceEqual(shape))
            throw new CheckpointException(f.Path, $"tensor '{name}' has shape [{string.Join(",", t.Shape)}], expected [{string.Join(",", shape)}] from config.json");
        return t;
    }

    /// <summary>Checks that every tensor the architecture needs is present with the shape config.json implies.</summary>
    public void CheckAll()
    {
        foreach (var (name, shape) in ModelLayout.Tensors(Config)) Get(name, shape);
    }

    /// <summary>The dtype the weights are stored in (of the embedding).</summary>
    public DType StoredDType => Get(ModelLayout.Embedding(Config).Name, ModelLayout.Embedding(Config).Shape).DType;

    public void Dispose() { foreach (var f in _files) f.Dispose(); }
}
