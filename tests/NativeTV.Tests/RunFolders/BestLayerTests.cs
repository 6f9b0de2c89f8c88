using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.RunFolders;

/// <summary>
/// The best layer is chosen on the cleaning prompts and scored on the evaluation prompts: a constructed sweep where the
/// two splits disagree (layer 1 best on evaluation, layer 2 on cleaning), as the summary table and the claims see it,
/// and a log without cleaning-set losses falling back to evaluation, saying so.
/// </summary>
public class BestLayerTests
{
    private static readonly string[] Tasks = ["antonym", "copy"];

    /// <param name="withClean">Whether the TV scores carry cleaning-set losses (a log written before they were recorded has none).</param>
    private static List<SweepCell> Cells(bool withClean) => Tasks.SelectMany(task => new[] { (Layer: 1, Eval: 0.5, Clean: 0.9), (Layer: 2, Eval: 0.8, Clean: 0.4) }
        .Select(l => new SweepCell(task, l.Layer, new()
        {
            [Methods.ZeroShot] = Score(1.6),
            [Methods.Tv] = Score(l.Eval) with { CleanLoss = withClean ? l.Clean : null },
        }))).ToList();

    private static MethodScore Score(double loss) => new(loss, 0.5, PromptLosses: [loss - 0.1, loss + 0.1], PromptCorrect: [0, 1]);

    [Test]
    public void ChosenOnTheCleaningSplit()
    {
        var cells = Cells(withClean: true);
        Assert.That(BestLayer.Of(cells), Is.EqualTo(new LayerChoice(2, OnEvaluation: false)));
        Assert.That(SweepSummary.Rows(cells).Select(r => r[1]), Is.All.EqualTo("2"));
        // Scored on the evaluation prompts: the table shows layer 2's evaluation loss.
        Assert.That(SweepSummary.Rows(cells)[0][2 + Array.IndexOf(Methods.All, Methods.Tv)], Is.EqualTo("0.80"));
        Assert.That(SweepSummary.Caption(cells), Does.Contain("chosen on the cleaning prompts"));
        var claim = Claims.Measure(cells, null).Single(c => c.Name.Contains("best layer"));
        Assert.That(claim.Name, Does.Contain("(2)"));
        Assert.That(claim.Value, Is.EqualTo(0.8 - 1.6).Within(1e-9));
    }

    [Test]
    public void AnOldLogFallsBackToTheEvaluationSplitAndSaysSo()
    {
        var cells = Cells(withClean: false);
        Assert.That(BestLayer.Of(cells), Is.EqualTo(new LayerChoice(1, OnEvaluation: true)));
        Assert.That(SweepSummary.Caption(cells), Does.Contain(BestLayer.Fallback));
        Assert.That(Claims.Measure(cells, null).Single(c => c.Name.Contains("best layer")).Rule, Does.Contain(BestLayer.Fallback));
        Assert.That(BestLayer.Of([]), Is.Null);
    }
}
