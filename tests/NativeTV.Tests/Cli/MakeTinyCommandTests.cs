using NativeTV.Transformer.Checkpoints;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;

namespace NativeTV.Tests.Cli;

/// <summary>`nativetv make-tiny`: the folder it writes loads with the shape asked for and runs.</summary>
public class MakeTinyCommandTests
{
    [Test]
    public void WritesAShardedFolderThatLoadsAndRuns()
    {
        string dir = Path.Combine(Fixtures.TempDir(), "tiny");
        var (exit, stdout, err) = NativetvProcess.Run("make-tiny", "--arch", "phi3", "--out", dir, "--layers", "1", "--d-model", "32", "--heads", "2",
            "--d-mlp", "40", "--vocab", "50", "--shards", "2", "--sliding-window", "8");
        Assert.That(exit, Is.Zero, err);
        Assert.That(File.Exists(Path.Combine(dir, "model.safetensors.index.json")));

        using var be = BackendFactory.Create("cpu");
        using var m = TransformerModel.Load(dir, be);
        var c = m.Config;
        Assert.That((c.Arch, c.Layers, c.HiddenSize, c.Heads, c.IntermediateSize, c.VocabSize, c.SlidingWindow), Is.EqualTo((Architecture.Phi3, 1, 32, 2, 40, 50, 8)));
        Assert.That(stdout, Does.Contain($"wrote {dir}: phi3, {c.ParameterCount:N0} parameters"));
        var logits = m.Forward(new ForwardRequest { Tokens = TokenBatch.Single([1, 7, 30]), LogitRows = [2] }).Logits;
        Assert.That(logits, Has.Length.EqualTo(50).And.All.Matches<float>(float.IsFinite));
        Assert.That(logits.Distinct().Count(), Is.GreaterThan(1), "random weights give varied logits");
    }
}
