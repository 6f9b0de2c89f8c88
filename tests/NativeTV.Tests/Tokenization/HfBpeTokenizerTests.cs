using System.Text.Json.Nodes;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Tokenization;

namespace NativeTV.Tests.Tokenization;

/// <summary>tokenizer.json BPE on a small hand-made file (runs without the real files): merge order, byte fallback, added tokens, BOS, clear errors.</summary>
public class HfBpeTokenizerTests
{
    /// <summary>Gemma's layout in miniature: spaces as ▁, no dummy prefix, byte fallback, BOS from the post-processor.</summary>
    private static JsonObject Json() => JsonNode.Parse("""
    {
      "added_tokens": [{"id": 0, "content": "<bos>", "special": true}, {"id": 1, "content": "<unk>", "special": true},
                       {"id": 2, "content": "<turn>", "special": true}, {"id": 3, "content": "\n", "special": false}],
      "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"},
      "pre_tokenizer": null,
      "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}]},
      "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}]},
      "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true,
        "vocab": {"<bos>": 0, "<unk>": 1, "<turn>": 2, "\n": 3, "<0xC3>": 4, "<0xA9>": 5, "a": 6, "b": 7, "\u2581": 8, "aa": 9, "ab": 10, "\u2581a": 11, "aab": 12},
        "merges": ["a a", "a b", "\u2581 a", "aa b"]}
    }
    """)!.AsObject();

    private static ITextTokenizer Load(JsonObject json, string? config = null)
    {
        var dir = Fixtures.TempDir();
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        if (config != null) File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), config);
        return TokenizerLoader.Load(dir);
    }

    [Test]
    public void MergesByRankLeftmostFirstWithByteFallbackAndAddedTokens()
    {
        var tok = Load(Json());
        Assert.That((tok.BosId, tok.AddsBos, tok.VocabSize), Is.EqualTo((0, true, 13)));
        Assert.That(tok.Encode("aaab", addBos: false), Is.EqualTo(new[] { 9, 10 }), "a a merges leftmost first, then a b; aa b is never reached");
        Assert.That(tok.Encode("aab", addBos: false), Is.EqualTo(new[] { 12 }));
        Assert.That(tok.Encode(" a\né<turn>xy", addBos: true), Is.EqualTo(new[] { 0, 11, 3, 4, 5, 2, 1 }), "é by bytes, x and y fused into one unknown");
        Assert.That(tok.Decode([0, 11, 3, 4, 5, 2, 9]), Is.EqualTo(" a\néaa"));
        Assert.That(tok.TokenText(11), Is.EqualTo(" a"));
    }

    [Test]
    public void TokenizerConfigDecidesBos()
    {
        var tok = Load(Json(), """{"add_bos_token": false, "bos_token": {"content": "<turn>"}}""");
        Assert.That((tok.BosId, tok.AddsBos), Is.EqualTo((2, false)));
    }

    [TestCase("normalizer", """{"type": "NFKC"}""", "normalizer type NFKC is not supported")]
    [TestCase("pre_tokenizer", """{"type": "ByteLevel"}""", "pre_tokenizer is not supported")]
    [TestCase("decoder", """{"type": "Metaspace"}""", "decoder type Metaspace is not supported")]
    [TestCase("merges", """["a c"]""", "model.merges[0]: 'c' is not in model.vocab")]
    [TestCase("merges", """["a b c"]""", "model.merges[0] is not a pair")]
    [TestCase("type", "\"Unigram\"", "model type is Unigram")]
    public void UnsupportedOrBrokenFilesAreNamed(string field, string value, string problem)
    {
        var json = Json();
        if (field is "merges" or "type") json["model"]![field] = JsonNode.Parse(value);
        else json[field] = JsonNode.Parse(value);
        var e = Assert.Throws<CheckpointException>(() => Load(json))!;
        Assert.That(e.Message, Does.Contain("tokenizer.json").And.Contain(problem));
    }

    [Test]
    public void TokenizerJsonIsPreferredOverTokenizerModel()
    {
        var dir = Fixtures.TempDir();
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), Json().ToJsonString());
        File.Copy(Fixtures.Dir("spm", "llama_like.model"), Path.Combine(dir, "tokenizer.model"));
        Assert.That(TokenizerLoader.Load(dir), Is.TypeOf<HfBpeTokenizer>());
        File.Delete(Path.Combine(dir, "tokenizer.json"));
        Assert.That(TokenizerLoader.Load(dir), Is.TypeOf<SentencePieceTextTokenizer>());
    }
}
