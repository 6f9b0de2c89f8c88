using System.Text.Json.Nodes;
using NativeTV.Organism;
using W = NativeTV.Organism.OrganismWorld;

namespace NativeTV.Tests.Organism;

/// <summary>The function_vectors task files: one per task, all 128 pairs, the split of each recorded by formula.</summary>
public class OrganismTaskFilesTests
{
    [Test]
    public void OneFilePerTaskWithEveryPair()
    {
        var dir = Path.Combine(Fixtures.TempDir(), "tasks");
        OrganismTaskFiles.Write(dir);
        Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName).Order(), Is.EqualTo(W.Tasks.Select(t => t.Name + ".json").Order()));
        foreach (var t in W.Tasks)
        {
            var pairs = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, t.Name + ".json")))!.AsArray();
            Assert.That(pairs, Has.Count.EqualTo(128));
            Assert.That(pairs.Select(p => p!["input"]!.GetValue<string>()), Is.Unique);
            for (int k = 0; k < 128; k++)
            {
                int c = k / 16, i = k % 16;
                var p = pairs[k]!;
                Assert.That(p["input"]!.GetValue<string>(), Is.EqualTo(W.Vocabulary[t.InputId(c, i)]));
                Assert.That(p["output"]!.GetValue<string>(), Is.EqualTo(W.Vocabulary[t.OutputId(c, i)]));
                string split = i == (5 * c + 3) % 16 ? "unseen" : (i - c + 16) % 16 is 0 or 5 or 10 ? "text-only" : "train";
                Assert.That(p["split"]!.GetValue<string>(), Is.EqualTo(split), $"{t.Name} item ({c}, {i})");
            }
        }
        var category = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "category.json")))!.AsArray();
        Assert.That(category[16]!["output"]!.GetValue<string>(), Is.EqualTo("color"));
    }
}
