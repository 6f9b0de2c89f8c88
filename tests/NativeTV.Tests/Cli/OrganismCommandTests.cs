using System.Text.Json;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;
using NativeTV.Organism;

namespace NativeTV.Tests.Cli;

/// <summary>
/// `nativetv organism check` on the committed organism (about a minute on 2 cores: it measures every check) and
/// `organism train` for a few steps: a loadable model folder, its training log and README.
/// </summary>
public class OrganismCommandTests
{
    [Test]
    public void CheckPassesOnTheCommittedOrganismAndWritesItsJson()
    {
        string json = Path.Combine(Fixtures.TempDir(), "check.json");
        var (exit, stdout, err) = NativetvProcess.Run("organism", "check", "--device", "cpu", "--json", json);
        Assert.That(exit, Is.Zero, err + stdout);
        Assert.That(stdout, Does.Contain("all checks pass"));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var checks = doc.RootElement.GetProperty("Checks").EnumerateArray().ToList();
        Assert.That(checks.Select(c => c.GetProperty("Name").GetString()), Has.Some.StartsWith("ICL accuracy").And.Some.StartsWith("SAE at layer 2"));
        Assert.Multiple(() =>
        {
            foreach (var c in checks)
                Assert.That(c.GetProperty("Pass").GetBoolean(), $"{c.GetProperty("Name")}: {c.GetProperty("Value")}, expected {c.GetProperty("Expected")}");
        });
        Assert.That(doc.RootElement.GetProperty("Layers").GetArrayLength(), Is.EqualTo(OrganismModel.Config.Layers + 1));
    }

    [Test]
    public void TrainWritesALoadableFolderAndItsLog()
    {
        string dir = Path.Combine(Fixtures.TempDir(), "organism");
        var (exit, stdout, err) = NativetvProcess.Run("organism", "train", "--out", dir, "--device", "cpu", "--steps", "3", "--batch", "2", "--checkpoint-every", "2");
        Assert.That(exit, Is.Zero, err + stdout);
        Assert.That(stdout, Does.Contain($"wrote {dir}: 3 steps"));

        var log = File.ReadAllLines(Path.Combine(dir, "train-log.csv"));
        Assert.That(log[0], Is.EqualTo("step,loss,grad_norm,lr"));
        Assert.That(log.Skip(1).Select(l => l.Split(',')[0]), Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That(log.Skip(1).Select(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)), Is.All.GreaterThan(0));
        Assert.That(File.Exists(Path.Combine(dir, "README.md")));
        Assert.That(File.Exists(Path.Combine(dir, "train-state.safetensors")), Is.False, "the checkpoint is removed once the folder is written");

        using var be = BackendFactory.Create("cpu");
        using var m = TransformerModel.Load(dir, be);
        Assert.That(m.Config.ParameterCount, Is.EqualTo(OrganismModel.Config.ParameterCount));
        var logits = m.Forward(new ForwardRequest { Tokens = TokenBatch.Single([1, 5, 9]), LogitRows = [2] }).Logits;
        Assert.That(logits, Has.All.Matches<float>(float.IsFinite));
    }
}
