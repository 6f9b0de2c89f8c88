using NativeTV.Tests.Models;

namespace NativeTV.Tests.Cli;

/// <summary>`nativetv info` on a tiny Phi-3 with longrope and a sliding window: every field as its config says, bracketed labels included.</summary>
public class InfoCommandTests
{
    [Test]
    public void ShowsTheConfigsFields()
    {
        var cfg = TinyModels.Phi3LongRope();
        string dir = TinyModels.Write(cfg);
        var (exit, stdout, err) = NativetvProcess.Run("info", "--model", dir);
        Assert.That(exit, Is.Zero, err);
        var expected = new Dictionary<string, string>
        {
            ["architecture"] = "phi3 (Phi-3)", ["layers"] = $"{cfg.Layers}", ["d_model"] = $"{cfg.HiddenSize}", ["heads"] = $"{cfg.Heads}",
            ["kv heads"] = $"{cfg.KvHeads}", ["head_dim"] = $"{cfg.HeadDim}", ["sliding window"] = $"{cfg.SlidingWindow}", ["d_mlp"] = $"{cfg.IntermediateSize}",
            ["vocab"] = $"{cfg.VocabSize}", ["tied lm_head"] = $"{cfg.TieWordEmbeddings}", ["dtype (stored)"] = "F32", ["parameters"] = $"{cfg.ParameterCount:N0}",
        };
        foreach (var (label, value) in expected) Assert.That(ConsoleTable.Value(stdout, label), Is.EqualTo(value), label);
        Assert.That(ConsoleTable.Value(stdout, "rotary dims"), Does.StartWith($"{cfg.RotaryDim} (longrope, original max positions"));
        Assert.That(stdout, Does.Contain("from resid_pre[0]"));
    }
}
