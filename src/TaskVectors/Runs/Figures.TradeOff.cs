using NativeTV.TaskVectors.Cleaning;
using ScottPlot;

namespace NativeTV.TaskVectors.Runs;

public static partial class Figures
{
    /// <summary>
    /// The loss-L0 trade-off of cleaning (the post's): one point per lambda at its L0, the evaluation loss with its 95%
    /// interval as error bars and the cleaning-set loss beside it, each point labelled with its lambda (the chosen one
    /// marked; lambdas at one L0 share a label, <see cref="TradeOffLabels"/>), and the references' evaluation losses as horizontal lines.
    /// </summary>
    public static void TradeOff(string pathNoExt, string title, string caption, IReadOnlyList<LambdaPoint> points, int? chosen,
        IReadOnlyList<(string Name, double Loss)> references)
    {
        var plt = new Plot();
        // Joined in lambda order: the curve the penalty traces.
        var order = points.OrderBy(p => p.L1).ToList();
        double[] x = order.Select(p => (double)p.L0).ToArray();
        var eval = plt.Add.Scatter(x, order.Select(p => p.EvalLoss).ToArray(), Palette.GetColor(1));
        eval.LegendText = "evaluation loss (95% interval)";
        eval.LineWidth = 1;
        eval.MarkerSize = 8;
        var bars = new ScottPlot.Plottables.ErrorBar(x, order.Select(p => p.EvalLoss).ToArray(), null, null,
            order.Select(p => p.EvalLoss - p.EvalLossCi95[0]).ToArray(), order.Select(p => p.EvalLossCi95[1] - p.EvalLoss).ToArray()) { Color = eval.Color };
        plt.Add.Plottable(bars);
        var clean = plt.Add.Scatter(x, order.Select(p => p.CleanLoss).ToArray(), Palette.GetColor(2));
        clean.LegendText = "cleaning-set loss";
        clean.LineWidth = 0;
        clean.MarkerSize = 7;
        clean.MarkerShape = MarkerShape.OpenSquare;
        foreach (var label in TradeOffLabels.Of(points, chosen))
        {
            var t = plt.Add.Text(label.Text, label.L0, label.Y);
            t.LabelFontSize = 10;
            t.LabelAlignment = Alignment.LowerCenter;
        }
        for (int i = 0; i < references.Count; i++)
        {
            var line = plt.Add.HorizontalLine(references[i].Loss, 1.5f, Palette.GetColor(3 + i), LinePattern.Dashed);
            line.LegendText = $"{references[i].Name} (evaluation)";
        }
        var ys = points.SelectMany(p => new[] { p.EvalLossCi95[1], p.CleanLoss }).Concat(references.Select(r => r.Loss)).Where(double.IsFinite).ToList();
        if (ys.Count > 0) plt.Axes.SetLimitsY(0, Math.Max(ys.Max(), 1e-9) * 1.15);
        if (x.Length > 0) plt.Axes.SetLimitsX(Math.Min(0, x.Min() - 1), x.Max() * 1.1 + 1);
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        Label(plt, title, caption, "L0 (active SAE features of the cleaned vector)", "loss (nll of the answer's first tokens)");
        // Below, not beside: the plot keeps the width its long caption needs.
        plt.ShowLegend(Edge.Bottom);
        Save(plt, pathNoExt);
    }
}
