namespace NativeTV.Tests.Cli;

/// <summary>
/// `sweep --finish` computes nothing, so it reads the model folder's config.json and manifest only: with the weights and
/// the SAE files truncated and the tokenizer gone it still merges the shards into the very outputs a finish with them
/// writes, and keeps its checks (missing cells, the settings guard).
/// </summary>
public class FinishWithoutWeightsTests
{
    private static (int Exit, string Out, string Err) Sweep(string model, string run, params string[] extra) =>
        NativetvProcess.Run(["sweep", "--model", model, "--out", run, "--device", "cpu", "--prompts", "4", "--clean-prompts", "4", "--eval-prompts", "4",
            "--layers", "0-2", "--steps", "5", .. extra]);

    private static void Copy(string from, string to)
    {
        foreach (var d in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, d)));
        foreach (var f in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(f, Path.Combine(to, Path.GetRelativePath(from, f)));
    }

    /// <summary>Every file the finish wrote, by path relative to the run folder (environment.json names the machine, not results).</summary>
    private static Dictionary<string, string> Outputs(string run) =>
        Directory.GetFiles(run, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "environment.json")
            .ToDictionary(f => Path.GetRelativePath(run, f), File.ReadAllText);

    [Test]
    public void FinishNeedsNoWeightsTokenizerOrSaes()
    {
        string model = Fixtures.TempDir(), run = Fixtures.TempDir(), withWeights = Fixtures.TempDir(), partial = Fixtures.TempDir();
        Copy(TinySweepModel.Dir, model);
        for (int i = 0; i < 3; i++) Assert.That(Sweep(model, run, "--shard", $"{i}/3").Exit, Is.EqualTo(0));
        Assert.That(Sweep(model, partial, "--shard", "1/3").Exit, Is.EqualTo(0));
        Copy(run, withWeights);
        var (exit, _, err) = Sweep(model, withWeights, "--finish");
        Assert.That(exit, Is.EqualTo(0), err);

        var weightFiles = Directory.GetFiles(model, "*.safetensors", SearchOption.AllDirectories);
        Assert.That(weightFiles.Select(Path.GetFileName), Does.Contain("model.safetensors"));
        Assert.That(weightFiles, Has.Length.GreaterThan(1), "the SAE's weights too");
        foreach (var f in weightFiles) File.WriteAllBytes(f, []);
        File.Delete(Path.Combine(model, "tokenizer.json"));

        (exit, var stdout, err) = Sweep(model, run, "--finish");
        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain("results.csv"));
        var want = Outputs(withWeights);
        var got = Outputs(run);
        Assert.That(got.Keys, Is.EquivalentTo(want.Keys));
        Assert.That(got.Keys, Does.Contain("results.csv").And.Contain("results.jsonl"));
        foreach (var (path, text) in want) Assert.That(got[path], Is.EqualTo(text), path);

        // The checks stay: a missing cell is named, and other settings than the shards' are refused.
        (exit, _, err) = Sweep(model, partial, "--finish");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("cells are missing"));
        (exit, _, err) = Sweep(model, run, "--finish", "--k", "7");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("holds a run with other settings").And.Contain("k 20 -> 7"));
    }
}
