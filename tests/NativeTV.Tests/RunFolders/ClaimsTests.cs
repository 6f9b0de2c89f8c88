using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Runs;
using NativeTV.TaskVectors.Steering;

namespace NativeTV.Tests.RunFolders;

/// <summary>
/// The claims added for issue 15: feature claims decided from small hand-made CSVs of the `features` formats (numbers
/// worked out by hand here), held-out claims from hand-made cells, and claims.json keeping the sweep's and the features'
/// parts through reruns of either.
/// </summary>
public class ClaimsTests
{
    private static readonly string[] Excluded = ["singular"];

    /// <summary>A run folder with a 4-task steering matrix, its controls, cleaned vectors (a keeps f1, b f2, c f3, singular f4) and a detector summary at layer 1.</summary>
    private static string FeatureRun()
    {
        string run = Fixtures.TempDir();
        string steer = Path.Combine(run, "feature_steering"), det = Path.Combine(run, "detectors");
        Directory.CreateDirectory(steer);
        Directory.CreateDirectory(det);
        File.WriteAllLines(Path.Combine(steer, "relative_change.L2.csv"), ["task,f1,f2,f3,f4",
            "a,-0.5,-0.4,0.1,-0.2", "b,-0.1,-0.2,0,-0.3", "c,0.2,0.1,-0.6,-0.1", "singular,-0.9,-0.9,-0.9,-0.9"]);
        File.WriteAllLines(Path.Combine(steer, "controls.L2.csv"), ["task,best_feature,best_feature_change,random_feature_f9_change,random_direction_change",
            "a,f1,-0.5,-0.1,0.05", "b,f4,-0.3,0.02,-0.05", "c,f3,-0.6,,0.01", "singular,f1,-0.9,-0.9,-0.9"]);
        foreach (var (task, id) in new[] { ("a", 1), ("b", 2), ("c", 3), ("singular", 4) })
            CleanedVectorFiles.Write(Path.Combine(run, "cleaned"), $"{task}.L2", new CleaningResult(new float[4], [new CleanedFeature(id, 1f, 1f)], [new StepRecord(0, 1, 0, 1)], 3, BestStep: 0),
                new Dictionary<string, string> { ["task"] = task }, new { });
        File.WriteAllLines(Path.Combine(det, "summary.L1.csv"), [
            "task,no_steering_loss,detector_vector_loss,cleaned_loss,no_steering_accuracy,detector_vector_accuracy,cleaned_accuracy,l0,reconstruction_l0,specificity",
            "a,2.0,1.5,1.0,0.1,0.3,0.5,2,10,0.5", "b,1.8,1.6,1.2,0.1,0.2,0.4,1,8,0.3", "c,2.2,2.0,2.1,0.1,0.1,0.1,0,9,", "singular,0.1,0.1,0.5,1,1,1,1,5,0.9"]);
        return run;
    }

    private static IReadOnlyList<Claim> Measure(string run, int layer = 2, int detectorLayer = 1) =>
        FeatureClaims.Measure(Path.Combine(run, "feature_steering"), Path.Combine(run, "cleaned"), Path.Combine(run, "detectors"), layer, detectorLayer, Excluded);

    private static string Verdict(double[] ci, double value, double threshold, bool above) =>
        (above ? ci[0] > threshold : ci[1] < threshold) ? "holds" : (above ? value > threshold : value < threshold) ? "partly" : "not";

    [Test]
    public void FeatureClaimsAreTheHandWorkedNumbers()
    {
        var claims = Measure(FeatureRun());
        Assert.That(claims, Has.Count.EqualTo(4));

        // Without singular's row and its f4: f1's largest drop is on a (its own), f2's on a (b kept it), f3's on c. Chance 1/3.
        var own = claims[0];
        Assert.That(own.Name, Does.Contain("steer their own task most"));
        Assert.That(own.Value, Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(own.Ci95, Is.EqualTo(Bootstrap.Ci95([1.0, 0.0, 1.0])));
        Assert.That(own.Verdict, Is.EqualTo(Verdict(own.Ci95, own.Value, 1.0 / 3, above: true)));
        Assert.That(own.Measure, Does.Contain("chance 0.333"));

        // Own-task change minus the better control there: f1 -0.5 - (-0.1), f2 -0.2 - (-0.05), f3 -0.6 - 0.01 (no random feature on c).
        double[] margins = [-0.4, -0.15, -0.61];
        var controls = claims[1];
        Assert.That(controls.Name, Does.Contain("random SAE feature").And.Contain("random direction"));
        Assert.That(controls.Value, Is.EqualTo(margins.Average()).Within(1e-12));
        Assert.That(controls.Ci95, Is.EqualTo(Bootstrap.Ci95(margins)).Within(1e-12));
        Assert.That(controls.Verdict, Is.EqualTo("holds"));

        // Detectors at layer 1 below the features' 2: cleaned minus no steering over a, b, c; specificity over a, b (c kept none), chance 1/4 (every row).
        double[] drops = [-1.0, -0.6, -0.1];
        var detectors = claims[2];
        Assert.That(detectors.Value, Is.EqualTo(drops.Average()).Within(1e-12));
        Assert.That(detectors.Ci95, Is.EqualTo(Bootstrap.Ci95(drops)).Within(1e-12));
        Assert.That(detectors.Verdict, Is.EqualTo("holds"));
        var specific = claims[3];
        Assert.That(specific.Value, Is.EqualTo(0.4).Within(1e-12));
        Assert.That(specific.Verdict, Is.EqualTo(Verdict(specific.Ci95, 0.4, 0.25, above: true)));
    }

    [Test]
    public void DetectorsAtTheFeaturesLayerDoNotActEarlierAndMissingFilesMakeNoClaim()
    {
        string run = FeatureRun();
        File.Move(Path.Combine(run, "detectors", "summary.L1.csv"), Path.Combine(run, "detectors", "summary.L2.csv"));
        var claims = Measure(run, detectorLayer: 2);
        Assert.That(claims.Single(c => c.Name.Contains("act earlier")).Verdict, Is.EqualTo("not"));

        File.Delete(Path.Combine(run, "feature_steering", "controls.L2.csv"));
        Assert.That(Measure(run, detectorLayer: 2).Select(c => c.Name), Has.None.Contains("random direction").And.Some.Contains("own task most"));
        Assert.That(Measure(run, layer: 3, detectorLayer: 0), Is.Empty);
    }

    [Test]
    public void ABadCellNamesItsFile()
    {
        string run = FeatureRun();
        string csv = Path.Combine(run, "detectors", "summary.L1.csv");
        File.WriteAllLines(csv, [File.ReadLines(csv).First(), "a,2.0,1.5,oops,0.1,0.3,0.5,2,10,0.5"]);
        Assert.That(() => Measure(run), Throws.InstanceOf<FormatException>().With.Message.Contains(csv).And.Message.Contains("oops"));
    }

    [Test]
    public void EachCommandReplacesOnlyItsOwnPartOfClaimsJson()
    {
        string run = Fixtures.TempDir();
        Claim C(string name) => new(name, "m", -1, [-2, -0.5], "r", "holds");
        // A file from before parts holds the sweep's claims.
        File.WriteAllText(Path.Combine(run, Claims.FileName), """[{"name":"old","measure":"m","value":1,"ci95":[0,2],"rule":"r","verdict":"not"}]""");
        Assert.That(Claims.Read(run)!.Single().Part, Is.EqualTo(Claims.SweepPart));
        Claims.Write(run, Claims.FeaturesPart, [C("f1"), C("f2")]);
        Assert.That(Claims.Read(run)!.Select(c => c.Name), Is.EqualTo(new[] { "old", "f1", "f2" }));
        Claims.Write(run, Claims.SweepPart, [C("s1"), C("s2")]);
        Claims.Write(run, Claims.SweepPart, [C("s1"), C("s2")]);
        Assert.That(Claims.Read(run)!.Select(c => (c.Name, c.Part)), Is.EqualTo(new[]
            { ("s1", Claims.SweepPart), ("s2", Claims.SweepPart), ("f1", Claims.FeaturesPart), ("f2", Claims.FeaturesPart) }));
        Claims.Write(run, Claims.FeaturesPart, [C("f3")]);
        Assert.That(Claims.Read(run)!.Select(c => c.Name), Is.EqualTo(new[] { "s1", "s2", "f3" }));
    }

    private static MethodScore Score(params double[] losses) => MethodScore.Of(losses.Select(l => new PromptScore(l, l < 1)).ToList());

    [Test]
    public void HeldOutClaimsArePairedByPromptAndAveragedOverTasksWithTheSplit()
    {
        // Two tasks at one layer: every method of the sweep on two evaluation prompts, and held-out words on a's "unseen" and b's.
        SweepCell Cell(string task, double tvUnseen) => new(task, 2, Methods.All.ToDictionary(m => m, m => m == Methods.ZeroShot ? Score(2, 2) : Score(0.5, 0.7)),
            null, new() { ["unseen"] = new() { [Methods.ZeroShot] = Score(2, 3, 4), [Methods.Tv] = Score(tvUnseen, 3, 4), [Methods.Cleaned] = Score(1, 1, 1) } });
        var claims = Claims.Measure([Cell("a", 1), Cell("b", 0.5)], null);
        var tv = claims.Single(c => c.Name.StartsWith("the task vector") && c.Name.EndsWith("on held-out unseen words"));
        // Per task the mean paired difference: a (1-2)/3, b (0.5-2)/3.
        Assert.That(tv.Value, Is.EqualTo((-1.0 / 3 + -1.5 / 3) / 2).Within(1e-12));
        Assert.That(tv.Ci95, Is.EqualTo(Bootstrap.Ci95([[-1.0, 0, 0], [-1.5, 0, 0]])).Within(1e-12));
        var cleaned = claims.Single(c => c.Name.StartsWith("layer 2: the cleaned vector") && c.Name.EndsWith("on held-out unseen words"));
        Assert.That(cleaned.Value, Is.EqualTo(-2.0).Within(1e-12));
        Assert.That(cleaned.Verdict, Is.EqualTo("holds"));
        // Without held-out scores nothing is claimed about them.
        Assert.That(Claims.Measure([Cell("a", 1) with { HeldOut = null }], null).Select(c => c.Name), Has.None.Contains("held-out"));
    }

    [Test]
    public void CleanedSpecificityIsClaimedAgainstChanceOverEveryTaskOfTheRun()
    {
        SweepCell Cell(string task, double? spec) => new(task, 2, Methods.All.ToDictionary(m => m, m => m == Methods.ZeroShot ? Score(2, 2) : Score(0.5, 0.7)),
            spec is { } v ? new() { [Methods.Cleaned] = v } : null);
        // Four tasks in the run (chance 0.25); "d" is left out of means, "c" kept no feature (no specificity).
        var cells = new[] { Cell("a", 0.9), Cell("b", 0.7), Cell("c", null), Cell("d", 0.1) };
        var claim = Claims.Measure(cells, ["d"]).Single(c => c.Name == "layer 2: cleaned features are specific to their task");
        Assert.That(claim.Value, Is.EqualTo(0.8).Within(1e-12));
        Assert.That(claim.Ci95, Is.EqualTo(Bootstrap.Ci95([0.9, 0.7])).Within(1e-12));
        Assert.That(claim.Measure, Does.Contain("chance 0.25").And.Contain("2 tasks"));
        Assert.That(claim.Verdict, Is.EqualTo("holds"));
        var low = Claims.Measure([Cell("a", 0.2), Cell("b", 0.3), Cell("c", 0.2), Cell("d", 0.2)], null).Single(c => c.Name.Contains("specific"));
        Assert.That(low.Verdict, Is.EqualTo("not"));
    }
}
