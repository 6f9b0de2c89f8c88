using NativeTV.TaskVectors.Cleaning;

namespace NativeTV.Tests.Cleaning;

/// <summary>The rule that picks lambda, on made-up trade-off curves: it looks at the cleaning split only, and prefers the sparsest vector it cannot tell from the best.</summary>
public class LambdaChoiceTests
{
    /// <summary>A point whose cleaning-set interval is loss +- halfWidth; the evaluation loss is what a peeking rule would use.</summary>
    private static LambdaPoint P(double l1, int l0, double clean, double halfWidth, double eval) =>
        new(l1, l0, clean, [clean - halfWidth, clean + halfWidth], eval, [eval - 0.1, eval + 0.1], false);

    [Test]
    public void PicksTheSparsestWithinTheBestsIntervalOnTheCleaningSplit()
    {
        var curve = new[]
        {
            P(0.01, 40, 0.30, 0.05, 0.60), // lowest cleaning-set loss; its interval reaches 0.35
            P(0.03, 12, 0.34, 0.05, 0.55), // within 0.35, sparser: the pick
            P(0.05, 11, 0.36, 0.05, 0.20), // just outside, though its evaluation loss is the best (a peeking rule would take it)
            P(0.10, 2, 0.90, 0.05, 0.10),
        };
        Assert.That(LambdaChoice.Pick(curve), Is.EqualTo(1));
        // Narrower interval around the best: only the best itself qualifies.
        curve[0] = P(0.01, 40, 0.30, 0.01, 0.60);
        Assert.That(LambdaChoice.Pick(curve), Is.EqualTo(0));
    }

    [Test]
    public void TiesOnL0GoToTheLowerCleaningLossThenTheSmallerLambda()
    {
        Assert.That(LambdaChoice.Pick([P(0.01, 5, 0.40, 0.2, 1), P(0.02, 5, 0.35, 0.2, 1), P(0.03, 9, 0.30, 0.2, 1)]), Is.EqualTo(1));
        Assert.That(LambdaChoice.Pick([P(0.02, 5, 0.35, 0.2, 1), P(0.01, 5, 0.35, 0.2, 1)]), Is.EqualTo(1));
    }

    [Test]
    public void OneLambdaIsChosenAndNoneIsAnError()
    {
        Assert.That(LambdaChoice.Pick([P(0.03, 7, 0.5, 0.1, 0.5)]), Is.EqualTo(0));
        Assert.Throws<ArgumentException>(() => LambdaChoice.Pick([]));
    }
}
