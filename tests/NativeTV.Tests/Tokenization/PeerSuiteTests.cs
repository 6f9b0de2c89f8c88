using System.Text.Json.Nodes;
using NativeTV.Transformer.Tokenization;

namespace NativeTV.Tests.Tokenization;

/// <summary>
/// The real tokenizers against ids made by Hugging Face's own implementations: llama.cpp's Phi-3 suite
/// (46 strings, no BOS) with Phi-3's tokenizer.model, and transformers' 12 Gemma cases (with BOS) with
/// Gemma's tokenizer.json. Each case also decodes back to its text.
/// </summary>
public class PeerSuiteTests
{
    /// <summary>Loaded once: Gemma's 17 MB tokenizer.json takes seconds to read.</summary>
    private static readonly Dictionary<string, ITextTokenizer> Loaded = [];

    public static ITextTokenizer Real(string name)
    {
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(name, out var tok)) Loaded[name] = tok = TokenizerLoader.Load(Fixtures.RealTokenizer(name));
            return tok;
        }
    }

    public static IEnumerable<TestCaseData> Phi3Cases()
    {
        if (Fixtures.FindShared("tokenizers/llama.cpp-phi3") is not { } dir) yield break;
        var texts = File.ReadAllText(Path.Combine(dir, "ggml-vocab-phi-3.gguf.inp")).Split("\n__ggml_vocab_test__\n");
        var ids = File.ReadAllLines(Path.Combine(dir, "ggml-vocab-phi-3.gguf.out"));
        for (int i = 0; i < ids.Length; i++)
            yield return new TestCaseData(texts[i], ids[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray()).SetName($"phi3 {i:D2}");
    }

    public static IEnumerable<TestCaseData> GemmaCases()
    {
        if (Fixtures.FindShared("tokenizers/gemma_hf_cases.json") is not { } file) yield break;
        int i = 0;
        foreach (var c in JsonNode.Parse(File.ReadAllText(file))!.AsArray())
            yield return new TestCaseData(c![0]!.GetValue<string>(), c[1]!.AsArray().Select(x => x!.GetValue<int>()).ToArray()).SetName($"gemma {i++:D2}");
    }

    [Test]
    public void SuitesArePresent()
    {
        Fixtures.SharedData("tokenizers/llama.cpp-phi3");
        Assert.That(Phi3Cases().Count(), Is.EqualTo(46));
        Assert.That(GemmaCases().Count(), Is.EqualTo(12));
    }

    [TestCaseSource(nameof(Phi3Cases))]
    public void Phi3AsHuggingFace(string text, int[] ids)
    {
        var tok = Real("phi3");
        Assert.That(tok.Encode(text, addBos: false), Is.EqualTo(ids));
        Assert.That(tok.Encode(text, addBos: true), Is.EqualTo(new[] { 1 }.Concat(ids)));
        Assert.That(tok.Decode(ids), Is.EqualTo(text), "only the dummy prefix's space is dropped");
    }

    [TestCaseSource(nameof(GemmaCases))]
    public void GemmaAsHuggingFace(string text, int[] ids)
    {
        var tok = Real("gemma");
        Assert.That(tok.AddsBos, Is.True);
        Assert.That(tok.Encode(text, addBos: true), Is.EqualTo(ids));
        Assert.That(tok.Decode(ids), Is.EqualTo(text), "special tokens (BOS) are skipped");
    }
}
