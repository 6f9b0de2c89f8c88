using NativeTV.Transformer.Files;
using ScottPlot;

namespace NativeTV.TaskVectors.Runs;

/// <summary>The figures of a run, each written as PNG and SVG (atomically) and labelled with what made it.</summary>
public static class Figures
{
    public const int Width = 900, Height = 540;

    /// <summary>One line per method: y against layer (the post's loss-by-layer figure), with a shaded band [Lo, Hi] where given (95% intervals).</summary>
    public static void Lines(string pathNoExt, string title, string caption, string xLabel, string yLabel,
        IEnumerable<(string Name, double[] X, double[] Y, double[]? Lo, double[]? Hi)> series)
    {
        var plt = new Plot();
        foreach (var (name, x, y, lo, hi) in series)
        {
            if (x.Length == 0) continue;
            var s = plt.Add.Scatter(x, y);
            s.LegendText = name;
            s.LineWidth = 2;
            s.MarkerSize = 6;
            if (lo is null || hi is null || x.Length < 2) continue;
            var band = plt.Add.FillY(x, lo, hi);
            band.FillColor = s.Color.WithAlpha(0.15);
            band.LineWidth = 0;
        }
        Label(plt, title, caption, xLabel, yLabel);
        plt.ShowLegend(Alignment.UpperRight);
        Save(plt, pathNoExt);
    }

    /// <summary>Grouped bars: for each category (x), one bar per series (e.g. a feature's weight in the reconstruction and in the cleaned vector).</summary>
    public static void GroupedBars(string pathNoExt, string title, string caption, string yLabel, string[] categories, IReadOnlyList<(string Name, double[] Values)> series)
    {
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        double width = 0.8 / series.Count;
        for (int s = 0; s < series.Count; s++)
        {
            var bars = series[s].Values.Select((v, i) => new Bar { Position = i + (s - (series.Count - 1) / 2.0) * width, Value = v, Size = width, FillColor = palette.GetColor(s) }).ToArray();
            plt.Add.Bars(bars);
            plt.Legend.ManualItems.Add(new LegendItem { LabelText = series[s].Name, FillColor = palette.GetColor(s) });
        }
        plt.Axes.Bottom.SetTicks(Enumerable.Range(0, categories.Length).Select(i => (double)i).ToArray(), categories);
        plt.Axes.Bottom.TickLabelStyle.Rotation = categories.Length > 8 ? 45 : 0;
        Label(plt, title, caption, "", yLabel);
        plt.ShowLegend(Alignment.UpperRight);
        Save(plt, pathNoExt);
    }

    /// <summary>
    /// A heatmap of rows x columns with readable labels (task x feature matrices). With <paramref name="range"/> the
    /// colours span that range on a diverging map, values beyond it taking the end colours (one huge relative change,
    /// e.g. on a task solved without steering, must not wash out the rest).
    /// </summary>
    public static void Heatmap(string pathNoExt, string title, string caption, string[] rows, string[] cols, double[,] values, string colorbarLabel, (double Min, double Max)? range = null)
    {
        var plt = new Plot();
        var hm = plt.Add.Heatmap(values);
        hm.Colormap = range is null ? new ScottPlot.Colormaps.MellowRainbow() : new ScottPlot.Colormaps.Balance();
        if (range is { } r) hm.ManualRange = new ScottPlot.Range(r.Min, r.Max);
        var cb = plt.Add.ColorBar(hm);
        cb.Label = colorbarLabel;
        plt.Axes.Left.SetTicks(Enumerable.Range(0, rows.Length).Select(i => (double)(rows.Length - 1 - i)).ToArray(), rows);
        plt.Axes.Bottom.SetTicks(Enumerable.Range(0, cols.Length).Select(i => (double)i).ToArray(), cols);
        plt.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plt.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plt.Axes.Bottom.MinimumSize = 50;
        Label(plt, title, caption, "", "");
        Save(plt, pathNoExt);
    }

    private static void Label(Plot plt, string title, string caption, string xLabel, string yLabel)
    {
        plt.Title($"{title}\n{caption}", size: 13);
        if (xLabel != "") plt.XLabel(xLabel);
        if (yLabel != "") plt.YLabel(yLabel);
    }

    private static void Save(Plot plt, string pathNoExt)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(pathNoExt))!);
        AtomicFile.Write(pathNoExt + ".png", tmp => plt.SavePng(tmp, Width, Height));
        AtomicFile.Write(pathNoExt + ".svg", tmp => plt.SaveSvg(tmp, Width, Height));
    }
}
