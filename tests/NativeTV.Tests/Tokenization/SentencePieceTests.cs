using System.Text.Json.Nodes;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Tokenization;

namespace NativeTV.Tests.Tokenization;

/// <summary>Ids from tests/fixtures/spm (models made with spm_train) must equal the reference SentencePiece library's.</summary>
public class SentencePieceTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "fixtures", "spm", "expected.json")))!.AsObject();
        foreach (var (model, node) in root)
            foreach (var c in node!["cases"]!.AsArray())
                yield return new TestCaseData(model, c!["text"]!.GetValue<string>(), c["ids"]!.AsArray().Select(x => x!.GetValue<int>()).ToArray(), c["decoded"]!.GetValue<string>(), node["bos"]!.GetValue<int>())
                    .SetName($"{model}: {c["text"]!.GetValue<string>().Replace("\n", "\\n")}");
    }

    [TestCaseSource(nameof(Cases))]
    public void EncodesLikeSentencePiece(string model, string text, int[] ids, string decoded, int bos)
    {
        var tok = new SentencePieceTextTokenizer(Fixtures.Dir("spm", model + ".model"));
        Assert.That(tok.Encode(text, addBos: false), Is.EqualTo(ids));
        Assert.That(tok.Encode(text, addBos: true), Is.EqualTo(new[] { bos }.Concat(ids)));
        Assert.That(tok.Decode(ids), Is.EqualTo(decoded));
    }

    /// <summary>Token by token the text reads as it does whole, word-initial spaces kept (byte-fallback pieces aside).</summary>
    [TestCaseSource(nameof(Cases))]
    public void TokenTextsSpellTheText(string model, string text, int[] ids, string decoded, int bos)
    {
        var tok = new SentencePieceTextTokenizer(Fixtures.Dir("spm", model + ".model"));
        var pieces = ids.Select(tok.TokenText).ToList();
        if (pieces.Any(p => p.StartsWith("<0x"))) Assert.Ignore("byte-fallback pieces show their byte");
        Assert.That(string.Concat(pieces).TrimStart(' '), Is.EqualTo(decoded.TrimStart(' ')));
        if (decoded.Trim().Contains(' ')) Assert.That(pieces.Skip(1), Has.Some.StartsWith(" "), "a later word's first piece keeps its space");
    }

    [Test]
    public void MissingOrGarbageModelIsAClearError()
    {
        var dir = Fixtures.TempDir();
        var bad = Path.Combine(dir, "tokenizer.model");
        File.WriteAllText(bad, "not a protobuf");
        var e = Assert.Throws<CheckpointException>(() => TokenizerLoader.Load(dir))!;
        Assert.That(e.Message, Does.Contain(bad));
        Assert.That(Assert.Throws<CheckpointException>(() => TokenizerLoader.Load(Fixtures.TempDir()))!.Message, Does.Contain("no tokenizer.model"));
    }

    /// <summary>A model this reader cannot encode exactly (here Unigram, model_type 1) is refused by name, not tokenized approximately.</summary>
    [Test]
    public void UnigramModelIsRefusedNamingTheFile()
    {
        var path = Path.Combine(Fixtures.TempDir(), "tokenizer.model");
        byte[] piece = [0x0A, 0x01, (byte)'a', 0x15, 0, 0, 0, 0, 0x18, 0x01];
        File.WriteAllBytes(path, [0x0A, (byte)piece.Length, .. piece, 0x12, 0x02, 0x18, 0x01]);
        var e = Assert.Throws<CheckpointException>(() => new SentencePieceTextTokenizer(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("model type 1 is not BPE"));
    }
}
