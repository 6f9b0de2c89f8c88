using System.Text.Json.Nodes;
using NativeTV.Transformer.Tokenization;

namespace NativeTV.Tests.Tokenization;

/// <summary>
/// The prompt shapes the pipeline builds ("Follow the pattern:\n", " -> ", newlines, accented words, chat
/// markers) on the real tokenizers: Gemma's ids as transformers.js makes them (fixtures/tokenizers/make_gemma_cases.js),
/// Phi-3's read back exactly, and Phi-3's added tokens from added_tokens.json parsed where written.
/// </summary>
public class PromptFormatTests
{
    private static readonly string[] GemmaSpecials = ["<bos>", "<start_of_turn>", "<end_of_turn>"];

    public static IEnumerable<TestCaseData> GemmaCases() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "fixtures", "tokenizers", "gemma_prompt_cases.json")))!.AsArray()
            .Select((c, i) => new TestCaseData(c![0]!.GetValue<string>(), c[1]!.AsArray().Select(x => x!.GetValue<int>()).ToArray()).SetName($"gemma prompt {i:D2}"));

    [TestCaseSource(nameof(GemmaCases))]
    public void GemmaAsTransformersJs(string text, int[] ids)
    {
        var tok = PeerSuiteTests.Real("gemma");
        Assert.That(tok.Encode(text, addBos: true), Is.EqualTo(ids));
        Assert.That(tok.Decode(ids), Is.EqualTo(GemmaSpecials.Aggregate(text, (t, s) => t.Replace(s, ""))), "special tokens are skipped, the rest reads back");
    }

    [TestCase("Follow the pattern:\nFrance -> Paris\nSpain -> Madrid\nItaly ->")]
    [TestCase("café -> cafés\nniño -> niños\nälter ->")]
    [TestCase("Zürich -> Schweiz\n\nSão Paulo -> 🙂\n")]
    public void Phi3PromptsReadBackTokenByToken(string text)
    {
        var tok = PeerSuiteTests.Real("phi3");
        var ids = tok.Encode(text, addBos: true);
        Assert.That(ids[0], Is.EqualTo(1));
        Assert.That(tok.Decode(ids), Is.EqualTo(text));
        Assert.That(ids.Count(id => id == 13), Is.EqualTo(text.Count(c => c == '\n')), "each newline is the byte token <0x0A>");
        if (!text.Contains("🙂")) Assert.That(string.Concat(ids.Skip(1).Select(tok.TokenText)), Is.EqualTo(" " + text), "pieces spell the text after the dummy prefix");
    }

    [Test]
    public void Phi3AddedTokensAndBosFromTheCheckpointFiles()
    {
        var dir = Fixtures.TempDir();
        File.Copy(Path.Combine(Fixtures.RealTokenizer("phi3"), "tokenizer.model"), Path.Combine(dir, "tokenizer.model"));
        File.WriteAllText(Path.Combine(dir, "added_tokens.json"), """{"<|endoftext|>": 32000, "<|assistant|>": 32001, "<|end|>": 32007, "<|user|>": 32010}""");
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"),
            """{"add_bos_token": false, "bos_token": "<s>", "added_tokens_decoder": {"1": {"content": "<s>", "special": true}, "32000": {"content": "<|endoftext|>", "special": true}, "32010": {"content": "<|user|>", "special": true, "rstrip": true}}}""");
        var tok = TokenizerLoader.Load(dir);
        var plain = PeerSuiteTests.Real("phi3");
        Assert.That((tok.AddsBos, tok.BosId, tok.VocabSize), Is.EqualTo((false, 1, 32011)));
        // Each text between added tokens is encoded alone (its own dummy prefix), as transformers' Llama tokenizers do; <|user|> eats the newline after it (rstrip).
        var ids = tok.Encode("<|user|>\nHi -> there<|end|><|assistant|>", addBos: false);
        Assert.That(ids, Is.EqualTo(new[] { 32010 }.Concat(plain.Encode("Hi -> there", false)).Concat([32007, 32001])));
        Assert.That(tok.Decode(ids), Is.EqualTo("Hi -> there<|end|><|assistant|>"), "special added tokens are skipped, others read as written");
        Assert.That(tok.TokenText(32010), Is.EqualTo("<|user|>"));
        Assert.That(tok.Encode("<s>x", addBos: true), Is.EqualTo(tok.Encode("x", addBos: false).Prepend(1).Prepend(1)), "BOS written in the text is BOS");
    }
}
