using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Runs;
using NativeTV.TaskVectors.Steering;

namespace NativeTV.Tests.RunFolders;

public class CleanedOriginsTests
{
    [Test]
    public void EachKeptFeatureCountsAtItsRankInTheReconstructionOrAsNew()
    {
        var run = Fixtures.TempDir();
        string cleaned = Path.Combine(run, "cleaned"), figures = Path.Combine(run, "figures");
        // Reconstruction: f5 (strongest), f9, f2; cleaning keeps f9 (weight 2) and adds f40 (weight 1), drops f5 and f2.
        var r = new CleaningResult(new float[4], [new CleanedFeature(9, 2f, 0.5f), new CleanedFeature(40, 1f, 0f)], [new StepRecord(0, 1, 0, 3)], 3, 0)
        {
            Reconstruction = [new CleanedFeature(5, 0f, 3f), new CleanedFeature(9, 2f, 0.5f), new CleanedFeature(2, 0f, 0.1f)],
        };
        CleanedVectorFiles.Write(cleaned, CleanedVectorFiles.Name("copy", 2), r, new Dictionary<string, string> { ["task"] = "copy", ["layer"] = "2" }, new { });
        CleanedOrigins.Write(figures, cleaned, "test");
        var csv = File.ReadAllLines(Path.Combine(figures, "cleaned_origins.L2.csv"));
        Assert.That(csv[0], Is.EqualTo("task,#1,#2,#3,#4,#5,#6,#7,#8,#9+,not in recon"));
        Assert.That(csv[1], Is.EqualTo("copy,0,1,0,0,0,0,0,0,0,0.5"));
        Assert.That(File.Exists(Path.Combine(figures, "cleaned_origins.L2.png")));
    }
}
