using NativeTV.Kernels;
using NativeTV.Tests.Models;
using NativeTV.Transformer.Model;

namespace NativeTV.Tests.Cli;

/// <summary>`nativetv generate` on a tiny Gemma with no tokenizer: the ids it prints are the greedy continuation, recomputed here step by step.</summary>
public class GenerateCommandTests
{
    [Test]
    public void PrintsTheArgmaxContinuation()
    {
        string dir = TinyModels.Write(TinyModels.Gemma());
        int[] prompt = [2, 5, 9, 14];
        var (exit, stdout, err) = NativetvProcess.Run("generate", "--model", dir, "--device", "cpu", "--ids", string.Join(",", prompt), "--max-new-tokens", "6");
        Assert.That(exit, Is.Zero, err);

        using var be = BackendFactory.Create("cpu");
        using var m = TransformerModel.Load(dir, be);
        var seq = prompt.ToList();
        for (int i = 0; i < 6 && (i == 0 || !m.Config.EosTokenIds.Contains(seq[^1])); i++)
        {
            var logits = m.Forward(new ForwardRequest { Tokens = TokenBatch.Single(seq), LogitRows = [seq.Count - 1] }).Logits;
            seq.Add(Array.IndexOf(logits, logits.Max()));
        }
        Assert.That(stdout.Trim(), Is.EqualTo(string.Join(",", seq.Skip(prompt.Length))));
    }
}
