using ScottPlot;

namespace NativeTV.TaskVectors.Runs;

public static partial class Figures
{
    /// <summary>
    /// A heatmap of rows x columns with readable labels (task x feature matrices) and each cell's value written in it.
    /// With <paramref name="range"/> the colours span that range, values beyond it taking the end colours (one huge
    /// relative change, e.g. on a task solved without steering, must not wash out the rest); without, values of both
    /// signs get a diverging map centred at 0, values of one sign a sequential one.
    /// </summary>
    public static void Heatmap(string pathNoExt, string title, string caption, string[] rows, string[] cols, double[,] values, string colorbarLabel, (double Min, double Max)? range = null)
    {
        var plt = new Plot();
        var hm = plt.Add.Heatmap(values);
        var finite = values.Cast<double>().Where(double.IsFinite).DefaultIfEmpty(0).ToList();
        double reach = finite.Max(Math.Abs);
        range ??= finite.Min() < 0 && finite.Max() > 0 ? (-reach, reach) : null;
        hm.Colormap = range is null ? new ScottPlot.Colormaps.Viridis() : new ScottPlot.Colormaps.Balance();
        if (range is { } r) hm.ManualRange = new ScottPlot.Range(r.Min, r.Max);
        double lo = finite.Min(), span = finite.Max() - lo;
        Func<double, bool> dark = range is { } d ? v => Math.Abs(v) > 0.6 * Math.Max(Math.Abs(d.Min), Math.Abs(d.Max)) : v => span > 0 && (v - lo) / span < 0.4;
        // Past about 20 x 20 cells the numbers no longer fit in them.
        if (rows.Length * cols.Length <= 400) CellValues(plt, values, dark);
        // The colour bar's own label overlaps its tick labels; the title says what the colours are instead.
        plt.Add.ColorBar(hm);
        plt.Axes.Left.SetTicks(Enumerable.Range(0, rows.Length).Select(i => (double)(rows.Length - 1 - i)).ToArray(), rows);
        plt.Axes.Bottom.SetTicks(Enumerable.Range(0, cols.Length).Select(i => (double)i).ToArray(), cols);
        plt.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plt.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        RoomFor(plt.Axes.Bottom, cols);
        Label(plt, $"{title} (colour: {colorbarLabel})", caption, "", "");
        Save(plt, pathNoExt);
    }

    /// <summary>Each cell's value (2 significant digits, whole numbers from 100 on) at its centre, white where <paramref name="dark"/> says its colour is dark.</summary>
    private static void CellValues(Plot plt, double[,] values, Func<double, bool> dark)
    {
        int rows = values.GetLength(0), cols = values.GetLength(1);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                double v = values[r, c];
                var t = plt.Add.Text(double.IsNaN(v) ? "n/a" : v.ToString(Math.Abs(v) >= 100 ? "F0" : "G2", System.Globalization.CultureInfo.InvariantCulture), c, rows - 1 - r);
                t.LabelFontSize = 9;
                t.LabelAlignment = Alignment.MiddleCenter;
                t.LabelFontColor = dark(v) ? Colors.White : Colors.Black;
            }
    }
}
