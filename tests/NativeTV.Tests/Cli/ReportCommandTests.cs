using NativeTV.Tests.Reports;

namespace NativeTV.Tests.Cli;

/// <summary>`nativetv report` as a user runs it: the page is written where it says, and a missing run folder is one error line naming it.</summary>
public class ReportCommandTests
{
    [Test]
    public void ReportWritesThePageOrNamesTheMissingFolder()
    {
        string run = ReportRunFolder.Minimal();
        var (exit, stdout, err) = NativetvProcess.Run("report", run);
        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain(Path.Combine(run, "report.html")));
        Assert.That(File.Exists(Path.Combine(run, "report.html")));

        (exit, _, err) = NativetvProcess.Run("report", "/nonexistent");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.StartWith("error: /nonexistent: no such run folder"));
    }
}
