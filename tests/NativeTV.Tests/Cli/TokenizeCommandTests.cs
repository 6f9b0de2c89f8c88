using System.Text.Json.Nodes;

namespace NativeTV.Tests.Cli;

/// <summary>`nativetv tokenize` as scripts use it: one {"ids", "tokens"} line per text, in order, BOS per the checkpoint.</summary>
public class TokenizeCommandTests
{
    private static JsonObject[] Lines(string stdout) => [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject())];

    private static int[] Ids(JsonObject line) => [.. line["ids"]!.AsArray().Select(x => x!.GetValue<int>())];

    [Test]
    public void TextOnTheOrganismWithAndWithoutBos()
    {
        var (exit, stdout, err) = NativetvProcess.Run("tokenize", "--text", "bama -> bane\ndepi ->");
        Assert.That(exit, Is.Zero, err);
        var line = Lines(stdout).Single();
        Assert.That(Ids(line), Is.EqualTo(new[] { 1, 25, 2, 26, 3, 43, 2 }));
        Assert.That(line["tokens"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { "<bos>", "bama", "->", "bane", "\n", "depi", "->" }));
        (exit, stdout, err) = NativetvProcess.Run("tokenize", "--text", "bama ->", "--no-bos", "--ids-only");
        Assert.That(exit, Is.Zero, err);
        Assert.That(Lines(stdout).Single().ToJsonString(), Is.EqualTo("""{"ids":[25,2]}"""));
    }

    [Test]
    public void FileLinesOnTheRealGemmaInOrder()
    {
        string model = Fixtures.RealTokenizer("gemma");
        var file = Path.Combine(Fixtures.TempDir(), "in.jsonl");
        File.WriteAllLines(file, ["""{"text": "The quick brown fox jumps over the lazy dog."}""", """{"text": "", "other": 1}""", """{"text": "<start_of_turn>user\nHi"}"""]);
        var (exit, stdout, err) = NativetvProcess.Run("tokenize", "--model", model, "--file", file);
        Assert.That(exit, Is.Zero, err);
        var lines = Lines(stdout);
        Assert.That(lines.Select(Ids), Is.EqualTo(new[] { new[] { 2, 651, 4320, 8426, 25341, 36271, 1163, 573, 27894, 5929, 235265 }, [2], [2, 106, 1645, 108, 2151] }));
        Assert.That(lines[2]["tokens"]!.AsArray().Select(t => t!.GetValue<string>()), Is.EqualTo(new[] { "<bos>", "<start_of_turn>", "user", "\n", "Hi" }));
    }

    [TestCase("--text|a|--file|x.jsonl", "exactly one of --text and --file")]
    [TestCase("--file|missing.jsonl", "missing.jsonl")]
    [TestCase("--file|BAD", "line 2: not a JSON object")]
    [TestCase("--model|EMPTY|--text|a", "no tokenizer.model or tokenizer.json")]
    public void ErrorsAreOneLine(string args, string message)
    {
        var dir = Fixtures.TempDir();
        var bad = Path.Combine(dir, "bad.jsonl");
        File.WriteAllLines(bad, ["""{"text": "bama"}""", """["bama"]"""]);
        var argv = args.Split('|').Select(a => a == "BAD" ? bad : a == "EMPTY" ? dir : a).ToArray();
        var (exit, stdout, err) = NativetvProcess.Run(["tokenize", .. argv]);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1).And.One.StartsWith("error:").And.One.Contains(message));
    }
}
