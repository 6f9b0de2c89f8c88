using System.Diagnostics;
using System.Text.RegularExpressions;
using NativeTV.Host.Reports;

namespace NativeTV.Tests.Reports;

/// <summary>
/// The report in a real browser (headless Chromium): its script runs to the end with no console error, a header
/// click sorts its table, and at 1280 px nothing, not even an opened task's wide table, makes the page scroll sideways.
/// </summary>
public class ReportInChromiumTests
{
    internal const string Chromium = "/usr/bin/chromium";

    [Test]
    public void ThePageRunsItsScriptWithoutErrorsAndSortsByAClickedHeader()
    {
        // A click on the detectors table's "auc" header, after the page's own script, records the order it leaves.
        var (dom, err) = Probe("""
            const t = document.querySelector("#dir-detectors table"); t.querySelectorAll("th")[1].click();
            document.body.dataset.sorted = Array.from(t.tBodies[0].rows, r => r.cells[1].textContent).join(" ");
            """);
        Assert.That(dom, Does.Contain("data-ready=\"1\""), "the page's script ran to its end");
        var console = err.Split('\n').Where(l => l.Contains(":CONSOLE") || l.Contains("Uncaught")).ToList();
        Assert.That(console, Is.Empty, "console messages");
        Assert.That(Regex.Match(dom, "data-sorted=\"([^\"]*)\"").Groups[1].Value, Is.EqualTo("0.55 0.7 0.91"));
    }

    [Test]
    public void NothingOverflowsSidewaysAt1280Pixels()
    {
        var (dom, _) = Probe("""
            document.querySelectorAll("details").forEach(d => d.open = true);
            document.body.dataset.width = document.documentElement.scrollWidth;
            """);
        Assert.That(int.Parse(Regex.Match(dom, "data-width=\"(\\d+)\"").Groups[1].Value), Is.LessThanOrEqualTo(1280));
    }

    /// <summary>The full test run's report with <paramref name="script"/> run after the page's own, in Chromium at 1280 px: the DOM it leaves and the console log.</summary>
    private static (string Dom, string Err) Probe(string script)
    {
        if (!File.Exists(Chromium)) Assert.Ignore($"{Chromium} is not installed (apt-get install chromium)");
        string run = ReportRunFolder.Full();
        string page = Path.Combine(run, "probe.html");
        File.WriteAllText(page, File.ReadAllText(HtmlReport.Write(run)).Replace("</body>", $"<script>{script}</script></body>"));
        var (exit, dom, err) = DumpDom(page);
        Assert.That(exit, Is.EqualTo(0), err);
        return (dom, err);
    }

    /// <summary>The page's DOM after its scripts ran, from headless Chromium, with its console log (stderr).</summary>
    internal static (int Exit, string Dom, string Err) DumpDom(string path)
    {
        var psi = new ProcessStartInfo(Chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000", "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + path })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(120_000)) { p.Kill(entireProcessTree: true); Assert.Fail("chromium did not finish in 120 s"); }
        return (p.ExitCode, stdout.Result, stderr);
    }
}
