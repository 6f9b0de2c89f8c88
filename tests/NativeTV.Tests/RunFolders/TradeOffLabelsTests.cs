using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.RunFolders;

/// <summary>The trade-off figure's lambda labels: lambdas that end at one L0 share a label instead of printing over each other.</summary>
public class TradeOffLabelsTests
{
    private static LambdaPoint P(double l1, int l0, double evalHi, bool worse = false) => new(l1, l0, 1, [0.9, 1.1], 1, [0.8, evalHi], worse);

    [Test]
    public void LambdasAtOneL0GetOneLabelAboveTheirHighestErrorBar()
    {
        // Given out of order: labels go by L0, lambdas within one ascending.
        var points = new[] { P(0.1, 1, 1.4), P(0.003, 9, 1.2), P(0.03, 1, 1.6, worse: true), P(0.01, 3, 1.3) };
        var labels = TradeOffLabels.Of(points, chosen: 0);
        Assert.That(labels, Is.EqualTo(new[]
        {
            new TradeOffLabel(1, 1.6, "λ 0.03 (worse than start), 0.1 (chosen)"),
            new TradeOffLabel(3, 1.3, "λ 0.01"),
            new TradeOffLabel(9, 1.2, "λ 0.003"),
        }));
        Assert.That(TradeOffLabels.Of(points, chosen: null).Select(l => l.Text), Has.None.Contain("chosen"));
        Assert.That(TradeOffLabels.Of([], null), Is.Empty);
    }
}
