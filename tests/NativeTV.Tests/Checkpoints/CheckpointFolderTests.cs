using System.Text.Json.Nodes;
using NativeTV.Tests.Models;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Tests.Checkpoints;

/// <summary>A sharded checkpoint's index reads only files inside the folder, and a folder in a file's place says so.</summary>
public class CheckpointFolderTests
{
    private static (string Dir, string Index) Sharded()
    {
        var dir = TinyModels.Write(TinyModels.Gemma(), shards: 2);
        return (dir, Path.Combine(dir, "model.safetensors.index.json"));
    }

    private static void EditWeightMap(string index, Action<JsonObject> edit)
    {
        var o = JsonNode.Parse(File.ReadAllText(index))!.AsObject();
        edit(o["weight_map"]!.AsObject());
        File.WriteAllText(index, o.ToJsonString());
    }

    private static void Expect(string dir, string file, string problem)
    {
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Open(dir).Dispose())!;
        Assert.That(e.Message, Does.StartWith(file).And.Contain(problem));
    }

    [TestCase("../outside.safetensors"), TestCase("/etc/passwd"), TestCase("sub/../../x.safetensors")]
    public void ShardOutsideTheFolder(string shard)
    {
        var (dir, index) = Sharded();
        File.Copy(Directory.GetFiles(dir, "*-of-*.safetensors")[0], Path.Combine(dir, "..", "outside.safetensors"), overwrite: true);
        EditWeightMap(index, m => m[m.First().Key] = shard);
        Expect(dir, index, $"'{shard}' is outside the checkpoint folder");
    }

    [Test]
    public void ShardNamedByANumber()
    {
        var (dir, index) = Sharded();
        EditWeightMap(index, m => m[m.First().Key] = 7);
        Expect(dir, index, "weight_map gives 7 for");
    }

    [Test]
    public void ShardIsAFolder()
    {
        var (dir, index) = Sharded();
        var shard = Path.Combine(dir, "folder.safetensors");
        Directory.CreateDirectory(shard);
        EditWeightMap(index, m => m[m.First().Key] = "folder.safetensors");
        Expect(dir, shard, "is a folder, expected a file");
    }

    [TestCase("model.safetensors"), TestCase("config.json")]
    public void FileIsAFolder(string name)
    {
        var dir = TinyModels.Write(TinyModels.Gemma());
        var path = Path.Combine(dir, name);
        File.Delete(path);
        Directory.CreateDirectory(path);
        Expect(dir, path, "is a folder, expected a file");
    }
}
