using NativeTV.Transformer.Checkpoints;
using System.Text.Json;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;

namespace NativeTV.Tests.Cli;

/// <summary>
/// `nativetv maxact` end to end: on the built-in organism with its defaults (SAE, corpus) the JSON has exactly
/// the schema the report reads and the HTML a section per feature with tokens escaped; a bad corpus is one
/// error line naming the file.
/// </summary>
public class MaxActCommandTests
{
    private static readonly string[] Root = ["model", "sae", "layer", "corpus", "contexts", "tokens", "features"];
    private static readonly string[] Feature = ["id", "max", "count", "examples"];
    private static readonly string[] Example = ["activation", "context", "tokens", "target", "activations"];

    private static string[] Names(JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToArray();

    [Test]
    public void OnTheOrganismWritesTheReportsSchemaAndAnEscapedPage()
    {
        var run = Fixtures.TempDir();
        var (exit, _, err) = NativetvProcess.Run("maxact", "--layer", "2", "--features", "5,100,17", "--top", "8", "--max-contexts", "400", "--run", run, "--device", "cpu");
        Assert.That(exit, Is.EqualTo(0), err);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "maxact", "maxact.L2.json")));
        var root = doc.RootElement;
        Assert.That(Names(root), Is.EqualTo(Root));
        Assert.That(root.GetProperty("layer").GetInt32(), Is.EqualTo(2));
        Assert.That(root.GetProperty("corpus").GetString(), Does.EndWith(Path.Combine("organism", "corpus.jsonl")));
        Assert.That(root.GetProperty("sae").GetString(), Does.EndWith("sae-l2"));
        Assert.That(root.GetProperty("contexts").GetInt32(), Is.EqualTo(400));
        Assert.That(root.GetProperty("tokens").GetInt64(), Is.EqualTo(400 * 63));
        var features = root.GetProperty("features").EnumerateArray().ToList();
        Assert.That(features.Select(f => f.GetProperty("id").GetInt32()), Is.EqualTo(new[] { 5, 100, 17 }));
        foreach (var f in features)
        {
            Assert.That(Names(f), Is.EqualTo(Feature));
            var examples = f.GetProperty("examples").EnumerateArray().ToList();
            Assert.That(examples, Is.Not.Empty.And.Count.LessThanOrEqualTo(8));
            Assert.That(f.GetProperty("count").GetInt64(), Is.GreaterThanOrEqualTo(examples.Count));
            var acts = examples.Select(e => e.GetProperty("activation").GetDouble()).ToList();
            Assert.That(acts, Is.Ordered.Descending);
            Assert.That(f.GetProperty("max").GetDouble(), Is.EqualTo(acts[0]));
            Assert.That(examples.Select(e => e.GetProperty("context").GetInt32()), Is.Unique);
            foreach (var e in examples)
            {
                Assert.That(Names(e), Is.EqualTo(Example));
                var tokens = e.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()).ToList();
                var window = e.GetProperty("activations").EnumerateArray().Select(a => a.GetDouble()).ToList();
                int target = e.GetProperty("target").GetInt32();
                Assert.That(target, Is.InRange(0, tokens.Count - 1));
                Assert.That(window, Has.Count.EqualTo(tokens.Count));
                Assert.That(window[target], Is.EqualTo(e.GetProperty("activation").GetDouble()));
                Assert.That(tokens.Count, Is.LessThanOrEqualTo(8 + 1 + 4));
            }
        }

        var html = File.ReadAllText(Path.Combine(run, "maxact", "maxact.L2.html"));
        foreach (int id in new[] { 5, 100, 17 }) Assert.That(html, Does.Contain($"<section id=\"f{id}\">"));
        Assert.That(html, Does.Contain("&lt;bos&gt;").And.Contain("-&gt;").And.Not.Contain("<bos>"));
        Assert.That(html, Does.Not.Contain("http"), "self-contained");
    }

    [Test]
    public void AMissingCorpusIsAnErrorNamingTheFile()
    {
        var run = Fixtures.TempDir();
        var corpus = Path.Combine(run, "no-such-corpus.jsonl");
        var (exit, _, err) = NativetvProcess.Run("maxact", "--layer", "2", "--features", "5", "--corpus", corpus, "--run", run, "--device", "cpu");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain($"error: {corpus}: corpus file not found"));
        Assert.That(Directory.Exists(Path.Combine(run, "maxact")), Is.False);
    }

    [Test]
    public void AMalformedCorpusLineIsAnErrorNamingTheFileAndLine()
    {
        var run = Fixtures.TempDir();
        var corpus = Path.Combine(run, "corpus.jsonl");
        File.WriteAllLines(corpus, ["{\"text\": \"hupi -> huro\"}", "hupi -> huro"]);
        var (exit, _, err) = NativetvProcess.Run("maxact", "--layer", "2", "--features", "5", "--corpus", corpus, "--run", run, "--device", "cpu");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain($"{corpus}: line 2 is not a JSON object with a \"text\" string"));
    }

    [Test]
    public void ModelsOtherThanTheOrganismNeedACorpus()
    {
        var model = Models.TinyModels.Write(RandomModel.TinyConfig(Architecture.Phi3, DType.F32, vocab: 420));
        File.Copy(Fixtures.Dir("spm", "llama_like.model"), Path.Combine(model, "tokenizer.model"));
        var (exit, _, err) = NativetvProcess.Run("maxact", "--model", model, "--layer", "1", "--sae", model, "--features", "0", "--device", "cpu");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("--corpus is required"));
    }
}
