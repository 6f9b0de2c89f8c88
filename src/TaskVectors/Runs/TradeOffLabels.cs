using NativeTV.TaskVectors.Cleaning;

namespace NativeTV.TaskVectors.Runs;

/// <summary>A label of the trade-off figure: its text, and the point it sits above (an L0, the top of the highest error bar there).</summary>
public sealed record TradeOffLabel(int L0, double Y, string Text);

/// <summary>
/// The lambda labels of the trade-off figure. Lambdas that end at the same L0 share an x position (strong penalties
/// often all reach one feature), where separate labels would print over each other: they get one label,
/// "λ 0.03, 0.1 (chosen)", lambdas ascending, each with its own marks, placed above the highest error bar at that L0.
/// </summary>
public static class TradeOffLabels
{
    /// <param name="chosen">The index in <paramref name="points"/> of the chosen lambda, marked "(chosen)".</param>
    public static IReadOnlyList<TradeOffLabel> Of(IReadOnlyList<LambdaPoint> points, int? chosen) =>
        points.Select((p, i) => (p, i)).GroupBy(x => x.p.L0).OrderBy(g => g.Key).Select(g => new TradeOffLabel(g.Key,
            g.Max(x => x.p.EvalLossCi95[1]),
            "λ " + string.Join(", ", g.OrderBy(x => x.p.L1).Select(x =>
                FormattableString.Invariant($"{x.p.L1:G3}") + (x.i == chosen ? " (chosen)" : "") + (x.p.WorseThanStart ? " (worse than start)" : ""))))).ToList();
}
