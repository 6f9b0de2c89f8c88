using System.Text.Json.Nodes;
using NativeTV.Kernels;
using NativeTV.Tests.Cli;
using NativeTV.Tests.Models;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;

namespace NativeTV.Tests.Checkpoints;

/// <summary>Every kind of bad input is one clear error naming the file and the problem, from the library and from the CLI.</summary>
public class BadInputTests
{
    private static string Model() => TinyModels.Write(TinyModels.Gemma());

    private static void ExpectLoadError(string dir, string file, string problem)
    {
        using var be = BackendFactory.Create("cpu");
        var e = Assert.Throws<CheckpointException>(() => TransformerModel.Load(dir, be).Dispose())!;
        Assert.That(e.Message, Does.Contain(file).And.Contain(problem));
        var (exit, _, err) = NativetvProcess.Run("info", "--model", dir);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.StartWith("error: ").And.Contain(file).And.Contain(problem).And.Not.Contain("   at "));
    }

    [Test]
    public void TruncatedFile()
    {
        var dir = Model();
        var f = Path.Combine(dir, "model.safetensors");
        var bytes = File.ReadAllBytes(f);
        File.WriteAllBytes(f, bytes[..(bytes.Length / 2)]);
        ExpectLoadError(dir, f, "truncated");
    }

    [Test]
    public void FileShorterThanItsHeaderLength()
    {
        var dir = Model();
        var f = Path.Combine(dir, "model.safetensors");
        File.WriteAllBytes(f, File.ReadAllBytes(f)[..20]);
        ExpectLoadError(dir, f, "bad header length");
    }

    [Test]
    public void GarbageHeader()
    {
        var dir = Model();
        var f = Path.Combine(dir, "model.safetensors");
        RawSafetensors.Write(f, "{this is not json", 16);
        ExpectLoadError(dir, f, "not valid JSON");
    }

    [Test]
    public void OffsetsPastTheEnd()
    {
        var dir = Model();
        var f = Path.Combine(dir, "model.safetensors");
        RawSafetensors.Write(f, """{"model.embed_tokens.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16000]}}""", 16);
        ExpectLoadError(dir, f, "ends at byte 16000");
    }

    [Test]
    public void DtypeTimesShapeDisagreesWithBytes()
    {
        var dir = Model();
        var f = Path.Combine(dir, "model.safetensors");
        RawSafetensors.Write(f, """{"model.embed_tokens.weight":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,16]}}""", 16);
        ExpectLoadError(dir, f, "needs 8 bytes");
    }

    [Test]
    public void UnsupportedDtype()
    {
        var cfg = TinyModels.Gemma();
        var dir = Model();
        var f = Path.Combine(dir, "model.safetensors");
        long n = (long)cfg.VocabSize * cfg.HiddenSize * 8;
        string entry = $"\"dtype\":\"F64\",\"shape\":[{cfg.VocabSize},{cfg.HiddenSize}],\"data_offsets\":[0,{n}]";
        RawSafetensors.Write(f, "{\"model.embed_tokens.weight\":{" + entry + "}}", (int)n);
        ExpectLoadError(dir, f, "unsupported dtype F64");
    }

    [Test]
    public void MissingTensor()
    {
        var cfg = TinyModels.Gemma();
        var dir = TinyModels.Write(cfg);
        HfConfigWriter.Write(cfg with { Layers = cfg.Layers + 1 }, Path.Combine(dir, "config.json"));
        ExpectLoadError(dir, dir, $"missing tensor 'model.layers.{cfg.Layers}.");
    }

    [Test]
    public void ShapeMismatch()
    {
        var cfg = TinyModels.Gemma();
        var dir = TinyModels.Write(cfg);
        HfConfigWriter.Write(cfg with { IntermediateSize = cfg.IntermediateSize + 1 }, Path.Combine(dir, "config.json"));
        ExpectLoadError(dir, Path.Combine(dir, "model.safetensors"), "expected [");
    }

    [Test]
    public void UnknownModelType()
    {
        var dir = Model();
        var path = Path.Combine(dir, "config.json");
        var o = JsonNode.Parse(File.ReadAllText(path))!;
        o["model_type"] = "llama";
        File.WriteAllText(path, o.ToJsonString());
        ExpectLoadError(dir, path, "unsupported model_type 'llama'");
    }

    [Test]
    public void MissingWeightsFile()
    {
        var dir = Model();
        File.Delete(Path.Combine(dir, "model.safetensors"));
        ExpectLoadError(dir, dir, "neither model.safetensors nor model.safetensors.index.json");
    }

    [Test]
    public void IdsBeyondTheVocabulary()
    {
        var dir = Model();
        var (exit, _, err) = NativetvProcess.Run("trace", "--model", dir, "--ids", "1,2,4000", "--out", Path.Combine(dir, "t.safetensors"), "--device", "cpu");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("token id 4000 is outside the vocabulary of 67"));
        using var be = BackendFactory.Create("cpu");
        using var m = TransformerModel.Load(dir, be);
        Assert.Throws<ArgumentException>(() => m.Forward(new ForwardRequest { Tokens = TokenBatch.Single([1, 67]) }));
    }
}
