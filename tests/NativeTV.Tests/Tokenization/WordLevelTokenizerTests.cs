using System.Text.Json.Nodes;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Organism;
using NativeTV.Transformer.Tokenization;

namespace NativeTV.Tests.Tokenization;

/// <summary>The word-level tokenizer: one id per word, newline its own token, and tokenizer.json that reads back.</summary>
public class WordLevelTokenizerTests
{
    private static readonly WordLevelTokenizer Tok = OrganismWorld.Tokenizer();

    [Test]
    public void NewlineIsATokenWithoutSurroundingSpaces()
    {
        Assert.That(Tok.Encode("bama -> bane\ndepi ->", addBos: false), Is.EqualTo(new[] { 25, 2, 26, 3, 43, 2 }));
        Assert.That(Tok.Encode("bama  ->\tbane \n depi", addBos: true), Is.EqualTo(new[] { 1, 25, 2, 26, 3, 43 }));
        Assert.That(Tok.Encode("", addBos: true), Is.EqualTo(new[] { 1 }));
        Assert.That(Tok.BosId, Is.EqualTo(1));
        Assert.That(Tok.VocabSize, Is.EqualTo(416));
    }

    [Test]
    public void DecodeRoundTripsCanonicalText()
    {
        const string text = "<bos> bama -> bane\nMABA <translate_BA> bama , deha <category> color\nbamas ->";
        var ids = Tok.Encode(text, addBos: false);
        Assert.That(Tok.Decode(ids), Is.EqualTo(text));
        var all = Enumerable.Range(0, 416).ToArray();
        Assert.That(Tok.Encode(Tok.Decode(all), addBos: false), Is.EqualTo(all));
    }

    [Test]
    public void UnknownWordIsNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => Tok.Encode("bama -> banana", addBos: false))!;
        Assert.That(e.Message, Does.Contain("'banana'"));
    }

    [Test]
    public void SaveLoadRoundTripAndLoaderFindsIt()
    {
        var dir = Fixtures.TempDir();
        var path = Path.Combine(dir, "tokenizer.json");
        Tok.Save(path);
        var model = JsonNode.Parse(File.ReadAllText(path))!["model"]!;
        Assert.That(model["type"]!.GetValue<string>(), Is.EqualTo("WordLevel"));
        Assert.That(model["vocab"]!["MABA"]!.GetValue<int>(), Is.EqualTo(281));
        Assert.That(model["vocab"]!["\n"]!.GetValue<int>(), Is.EqualTo(3));
        Assert.That(Directory.GetFiles(dir), Has.Length.EqualTo(1));
        var loaded = TokenizerLoader.Load(dir);
        Assert.That(loaded, Is.TypeOf<WordLevelTokenizer>());
        Assert.That((loaded.BosId, loaded.VocabSize), Is.EqualTo((1, 416)));
        var all = Enumerable.Range(0, 416).ToArray();
        Assert.That(loaded.Decode(all), Is.EqualTo(Tok.Decode(all)));
        Assert.That(loaded.Encode(Tok.Decode(all), addBos: false), Is.EqualTo(all));
    }

    [TestCase("{", "not valid JSON")]
    [TestCase("[]", "not a JSON object")]
    [TestCase("{}", "no \"model\" object")]
    [TestCase("""{"model":{"type":"BPE","vocab":{}}}""", "model type is BPE")]
    public void MalformedFilesAreClearErrors(string json, string problem)
    {
        var path = Path.Combine(Fixtures.TempDir(), "tokenizer.json");
        File.WriteAllText(path, json);
        var e = Assert.Throws<CheckpointException>(() => WordLevelTokenizer.Load(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain(problem));
    }

    [TestCase("vocab", """{"<bos>":0,"a":2}""", "outside 0..1")]
    [TestCase("vocab", """{"<bos>":0,"a":0}""", "used by both '<bos>' and 'a'")]
    [TestCase("vocab", """{"<bos>":0,"a b":1}""", "'a b'")]
    [TestCase("vocab", """{"a":0}""", "no <bos>")]
    [TestCase("vocab", """{"<bos>":0,"<bos>":1}""", "not valid JSON")]
    [TestCase("vocab", """{"<bos>":"zero"}""", "not an integer")]
    [TestCase("pre_tokenizer", """{"type":"WhitespaceSplit"}""", "pre_tokenizer")]
    public void InvalidVocabOrPreTokenizerIsAClearError(string field, string value, string problem)
    {
        var path = Path.Combine(Fixtures.TempDir(), "tokenizer.json");
        Tok.Save(path);
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        if (field == "vocab") root["model"]!["vocab"] = JsonNode.Parse(value);
        else root[field] = JsonNode.Parse(value);
        File.WriteAllText(path, root.ToJsonString());
        var e = Assert.Throws<CheckpointException>(() => WordLevelTokenizer.Load(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain(problem));
    }

    [Test]
    public void LoaderNamesBothFilesWhenNeitherExists()
    {
        var e = Assert.Throws<CheckpointException>(() => TokenizerLoader.Load(Fixtures.TempDir()))!;
        Assert.That(e.Message, Does.Contain("tokenizer.model").And.Contain("tokenizer.json"));
    }
}
