using System.Text.RegularExpressions;
using NativeTV.Host.Reports;

namespace NativeTV.Tests.Reports;

/// <summary>`nativetv report`'s page on a run folder in the real formats: self-contained, every part shown with its source, tokens escaped, missing parts left out, bad files named.</summary>
public class HtmlReportTests
{
    private static string _run = null!, _html = null!;

    [OneTimeSetUp]
    public void Write()
    {
        _run = ReportRunFolder.Full();
        _html = File.ReadAllText(HtmlReport.Write(_run));
    }

    [Test]
    public void ThePageIsSelfContained()
    {
        Assert.That(_html, Does.Not.Contain("src=\"http").And.Not.Contain("href=\"http").And.Not.Contain("<link"));
        var sources = Regex.Matches(_html, "<img [^>]*src=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.That(sources, Has.Count.GreaterThanOrEqualTo(6));
        Assert.That(sources, Has.All.Match("^data:image/(png|svg\\+xml);base64,"));
        Assert.That(_html, Does.Contain("document.body.dataset.ready = \"1\""));
    }

    [Test]
    public void EverySectionIsThereWithItsSource()
    {
        foreach (var id in new[] { "settings", "summary", "headline", "dir-figures", "tasks", "maxact", "dir-detectors", "dir-feature_steering", "results" })
        {
            Assert.That(_html, Does.Contain($"<section id=\"{id}\">"), id);
            Assert.That(_html, Does.Contain($"href=\"#{id}\""), "nav link to " + id);
        }
        foreach (var file in new[] { "settings.json", "results.csv", "figures/loss_by_layer.mean.png", "figures/task_specificity.L1.png", "cleaned/copy.L1.json",
                     "cleaned/copy.L1.features.png", "maxact/maxact.L1.json", "feature_steering/relative_change.L1.png", "feature_steering/relative_change.L1.csv",
                     "detectors/auc.csv", "detectors/roc.png" })
            Assert.That(_html, Does.Contain(file), file);
        foreach (var task in ReportRunFolder.Tasks) Assert.That(_html, Does.Contain($"<td>{task}</td>"), task);
        Assert.That(_html, Does.Contain("weights/organism/sae-l{layer}"), "settings shown");
    }

    [Test]
    public void SectionsComeInReadingOrderWithTaskDetailCollapsed()
    {
        var order = Regex.Matches(_html, "<section id=\"([^\"]*)\">").Select(m => m.Groups[1].Value).ToList();
        Assert.That(order, Is.EqualTo(new[] { "claims", "headline", "summary", "tasks", "maxact", "dir-detectors", "dir-feature_steering", "dir-figures", "settings", "results" }));
        Assert.That(Regex.Matches(_html, "<details class=\"task\"[ >]").Count, Is.EqualTo(ReportRunFolder.Tasks.Length));
        Assert.That(_html, Does.Not.Contain("<details class=\"task\" open"));
        Assert.That(_html.IndexOf("loss_by_layer.mean.png"), Is.LessThan(_html.IndexOf("loss_by_layer.antonym.png")), "mean figure first");
        Assert.That(Regex.Matches(_html, "feature_steering/relative_change.L1.png").Count, Is.EqualTo(1), "a headline figure is not repeated in its folder");
        Assert.That(_html, Does.Contain("<b>Holds</b> (1 of 2): the task vector lowers the zero-shot loss.").And.Contain("<b>Does not hold</b> (1 of 2)"));
    }

    [Test]
    public void LinePlotsAreEmbeddedAsTheirSmallerSvgAndThePageStaysSmall()
    {
        Assert.That(_html, Does.Match("alt=\"loss by layer[^\"]*\"[^>]*src=\"data:image/svg\\+xml;base64,"));
        Assert.That(_html.Length, Is.LessThan(1_500_000));
    }

    [Test]
    public void EveryFigureHasAltTextAndItsNumbersLinked()
    {
        var figures = Regex.Matches(_html, "<figure><img alt=\"([^\"]*)\"[^>]*><figcaption>(.*?)</figcaption>").ToList();
        Assert.That(figures, Has.Count.EqualTo(Regex.Matches(_html, "<img ").Count));
        Assert.That(figures.Select(f => f.Groups[1].Value), Has.All.Length.GreaterThan(10));
        var data = figures.Where(f => !f.Groups[2].Value.Contains(".features.") && !f.Groups[2].Value.Contains("roc"));
        Assert.That(data.Select(f => f.Groups[2].Value), Has.All.Match("numbers: <a href=\"[^\"]+\\.csv\""));
    }

    [Test]
    public void ScoresHaveHumanLabelsAndFailedCleaningsAreFlagged()
    {
        Assert.That(_html, Does.Not.Contain("eval.Loss").And.Not.Contain("Count<").And.Not.Contain("PromptLosses").And.Not.Contain("prompt_losses"));
        Assert.That(_html, Does.Contain("<dt>task vector</dt><dd>loss 0.50, accuracy 0.8</dd>"));
        string run = ReportRunFolder.Full(failedTask: "copy");
        string html = HtmlReport.Build(run);
        Assert.That(html, Does.Contain("failed: no features kept").And.Contain("1 failed"));
    }

    [Test]
    public void NumbersHaveThreeSignificantDigitsAndLossesTwoDecimals()
    {
        Assert.That(Html.Num(0.000327017), Is.EqualTo("0.000327"));
        Assert.That(Html.Num(12.3456), Is.EqualTo("12.3"));
        Assert.That(Html.Num(123456.7), Is.EqualTo("123457"));
        Assert.That(Html.Num(double.NaN), Is.EqualTo("n/a"));
        Assert.That(Html.Loss(1.2345), Is.EqualTo("1.23"));
    }

    [Test]
    public void CleanedFeaturesLinkToTheirEscapedMaxActivatingExamples()
    {
        foreach (var id in ReportRunFolder.Features)
        {
            Assert.That(_html, Does.Contain($"<a href=\"#maxact-L1-f{id}\">f{id}</a>"));
            Assert.That(_html, Does.Contain($"id=\"maxact-L1-f{id}\""));
        }
        Assert.That(_html, Does.Contain("&lt;bos&gt;").And.Contain("a&amp;b").And.Contain("-&gt;").And.Contain("&quot;q&quot;"));
        Assert.That(_html, Does.Not.Contain("<bos>").And.Not.Contain(">a&b<"));
        Assert.That(_html, Does.Contain("<span class=\"tok tgt\"").And.Contain(">a&amp;b</span>"), "the peak token is marked");
    }

    [Test]
    public void MissingPartsAreLeftOut()
    {
        string run = ReportRunFolder.Minimal();
        string html = HtmlReport.Build(run);
        Assert.That(html, Does.Contain("<section id=\"summary\">").And.Contain("<section id=\"results\">"));
        Assert.That(html, Does.Not.Contain("<section id=\"cleaned\">").And.Not.Contain("<section id=\"maxact\">").And.Not.Contain("<section id=\"dir-"));
    }

    [Test]
    public void MissingOrMalformedFilesAreNamed()
    {
        string run = ReportRunFolder.Minimal();
        File.Delete(Path.Combine(run, "results.csv"));
        Assert.That(() => HtmlReport.Build(run), Throws.ArgumentException.With.Message.Contains(Path.Combine(run, "results.csv")).And.Message.Contains("missing"));
        Assert.That(() => HtmlReport.Build(Path.Combine(run, "nope")), Throws.ArgumentException.With.Message.Contains("no such run folder"));

        run = ReportRunFolder.Minimal();
        string maxact = Path.Combine(run, "maxact", "maxact.L1.json");
        Directory.CreateDirectory(Path.GetDirectoryName(maxact)!);
        File.WriteAllText(maxact, "{\"model\": \"m\", \"features\": [");
        Assert.That(() => HtmlReport.Build(run), Throws.ArgumentException.With.Message.Contains(maxact));
        File.WriteAllText(maxact, "{\"model\": \"m\", \"sae\": \"s\", \"layer\": 1, \"corpus\": \"c\", \"contexts\": 1, \"tokens\": 2, \"features\": " +
            "[{\"id\": 3, \"max\": 1, \"count\": 1, \"examples\": [{\"activation\": 1, \"context\": 0, \"tokens\": [\"a\"], \"target\": 0, \"activations\": [1, 2]}]}]}");
        Assert.That(() => HtmlReport.Build(run), Throws.ArgumentException.With.Message.Contains(maxact).And.Message.Contains("feature 3"));
        File.Delete(maxact);

        string csv = Path.Combine(run, "detectors", "bad.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(csv)!);
        File.WriteAllLines(csv, ["a,b", "1,2,3"]);
        Assert.That(() => HtmlReport.Build(run), Throws.ArgumentException.With.Message.Contains(csv).And.Message.Contains("line 2"));
    }

    [Test]
    public void CsvFieldsMayBeQuoted()
    {
        string path = Path.Combine(Fixtures.TempDir(), "q.csv");
        File.WriteAllLines(path, ["task,note", "\"a,b\",\"say \"\"hi\"\"\"", "c,"]);
        var t = CsvTable.Read(path);
        Assert.That(t.Rows[0], Is.EqualTo(new[] { "a,b", "say \"hi\"" }));
        Assert.That(t.Rows[1], Is.EqualTo(new[] { "c", "" }));
    }
}
