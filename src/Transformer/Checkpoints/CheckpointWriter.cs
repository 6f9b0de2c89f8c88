using NativeTV.Transformer.Files;
using System.Text.Json;
using System.Text.Json.Nodes;
using NativeTV.Kernels;

namespace NativeTV.Transformer.Checkpoints;

/// <summary>Writes a Hugging Face checkpoint folder: config.json and one model.safetensors or N shards with an index.</summary>
public static class CheckpointWriter
{
    public static void Write(string dir, ModelConfig c, IReadOnlyList<(string Name, long[] Shape, float[] Values)> tensors, int shards = 1)
    {
        if (shards < 1) throw new ArgumentException("--shards must be at least 1");
        Directory.CreateDirectory(dir);
        HfConfigWriter.Write(c, Path.Combine(dir, "config.json"));
        var writers = Enumerable.Range(0, shards).Select(_ => new SafetensorsWriter().AddMetadata("format", "pt")).ToArray();
        // Fill shards in order, moving on once a shard holds its share of the bytes (as HF's max_shard_size does).
        long total = tensors.Sum(t => (long)t.Values.Length * c.DType.Size()), perShard = (total + shards - 1) / shards;
        var weightMap = new JsonObject();
        int s = 0;
        foreach (var (name, shape, values) in tensors)
        {
            if (writers[s].DataBytes >= perShard && s < shards - 1) s++;
            writers[s].Add(name, values, shape, c.DType);
            weightMap[name] = ShardName(s, shards);
        }
        if (shards == 1) { writers[0].Write(Path.Combine(dir, "model.safetensors")); return; }
        for (int i = 0; i < shards; i++) writers[i].Write(Path.Combine(dir, ShardName(i, shards)));
        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = total }, ["weight_map"] = weightMap };
        AtomicFile.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static string ShardName(int i, int n) => n == 1 ? "model.safetensors" : $"model-{i + 1:D5}-of-{n:D5}.safetensors";
}
