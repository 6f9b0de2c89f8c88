using NativeTV.Host.Cli;
using NativeTV.Tests.Reports;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.Cli;

/// <summary>
/// The acceptance on the organism: after `sweep`, `features` alone gives every feature result and the
/// report, which opens in headless Chromium without errors; a second run keeps what the first wrote.
/// Three tasks and layers 1-2 keep it short.
/// </summary>
public class FeaturesCommandTests
{
    [Test]
    public void AfterASweepOneCommandGivesTheFeatureResultsAndTheReport()
    {
        string root = Path.Combine(Path.GetTempPath(), "ntv-features-" + Guid.NewGuid().ToString("N"));
        string tasks = Path.Combine(root, "tasks"), run = Path.Combine(root, "run");
        Directory.CreateDirectory(tasks);
        foreach (var t in new[] { "copy", "antonym", "category" })
            File.Copy(Path.Combine(BuiltInModel.Path, "tasks", t + ".json"), Path.Combine(tasks, t + ".json"));
        try
        {
            var sweep = NativetvProcess.Run("sweep", "--tasks", tasks, "--layers", "1,2", "--steps", "200", "--out", run, "--device", "cpu");
            Assert.That(sweep.Exit, Is.EqualTo(0), sweep.Err);

            var first = NativetvProcess.Run("features", "--run", run, "--tasks", tasks, "--device", "cpu");
            Assert.That(first.Exit, Is.EqualTo(0), first.Err + first.Out);
            Assert.That(first.Out, Does.Contain("layer 2: of the layers cleaned at (1, 2)"));
            string[] results =
            [
                "feature_steering/relative_change.L2.csv", "feature_steering/relative_change.L2.png",
                "detectors/summary.L1.csv", "detectors/relative_change.L1.png", "cross_layer/summary.L1-L2.csv",
                "maxact/maxact.L2.json", "maxact/maxact.L1.json", "maxact/maxact.L2.html", "report.html",
            ];
            foreach (var f in results) Assert.That(File.Exists(Path.Combine(run, f)), f);
            var steering = File.ReadAllLines(Path.Combine(run, "feature_steering/relative_change.L2.csv"));
            Assert.That(steering.Skip(1).Select(l => l.Split(',')[0]), Is.EquivalentTo(new[] { "copy", "antonym", "category" }));

            string html = File.ReadAllText(Path.Combine(run, "report.html"));
            foreach (var id in new[] { "headline", "tasks", "maxact", "dir-feature_steering", "dir-detectors", "dir-cross_layer" })
                Assert.That(html, Does.Contain($"<section id=\"{id}\""), id);
            Assert.That(html, Does.Contain("id=\"task-vector-copy.L1\"").And.Contain("id=\"detector-vector-copy.L1\""));

            // The feature claims join the sweep's in claims.json; rerunning features (or sweep's finish) replaces only its own.
            var claims = Claims.Read(run)!;
            Assert.That(claims.Select(c => c.Part).Distinct(), Is.EqualTo(new[] { Claims.SweepPart, Claims.FeaturesPart }));
            Assert.That(claims.Where(c => c.Part == Claims.FeaturesPart).Select(c => c.Name), Has.Some.Contains("steer their own task most").And.Some.Contains("act earlier"));

            var again = NativetvProcess.Run("features", "--run", run, "--tasks", tasks, "--device", "cpu");
            Assert.That(again.Exit, Is.EqualTo(0), again.Err);
            Assert.That(again.Out.Split('\n').Count(l => l.Contains("exists, kept")), Is.EqualTo(5), again.Out);
            var finish = NativetvProcess.Run("sweep", "--tasks", tasks, "--layers", "1,2", "--steps", "200", "--out", run, "--device", "cpu");
            Assert.That(finish.Exit, Is.EqualTo(0), finish.Err);
            Assert.That(Claims.Read(run)!.Select(c => c.Name), Is.EqualTo(claims.Select(c => c.Name)));

            if (!File.Exists(ReportInChromiumTests.Chromium)) Assert.Ignore($"{ReportInChromiumTests.Chromium} is not installed (apt-get install chromium)");
            var (exit, dom, err) = ReportInChromiumTests.DumpDom(Path.Combine(run, "report.html"));
            Assert.That(exit, Is.EqualTo(0), err);
            Assert.That(dom, Does.Contain("data-ready=\"1\""));
            Assert.That(err.Split('\n').Where(l => l.Contains(":CONSOLE") || l.Contains("Uncaught")), Is.Empty);
        }
        finally { Directory.Delete(root, true); }
    }
}
