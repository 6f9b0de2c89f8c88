using NativeTV.Transformer.Files;
using ScottPlot;

namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// The figures of a run, each written as PNG and SVG (atomically) and labelled with what made it. Colours are the
/// colour-blind-safe palette (Wong's 8; a 9th series has square markers), legends sit outside the data, and diverging maps
/// are centred at 0.
/// </summary>
public static partial class Figures
{
    public const int Width = 900, Height = 540;

    private static readonly ScottPlot.Palettes.ColorblindFriendly Palette = new();

    /// <summary>One line per method: y against layer (the post's loss-by-layer figure), with a shaded band [Lo, Hi] where given (95% intervals).</summary>
    public static void Lines(string pathNoExt, string title, string caption, string xLabel, string yLabel,
        IEnumerable<(string Name, double[] X, double[] Y, double[]? Lo, double[]? Hi)> series)
    {
        var plt = new Plot();
        var drawn = series.Where(s => s.X.Length > 0).ToList();
        for (int i = 0; i < drawn.Count; i++)
        {
            var (name, x, y, lo, hi) = drawn[i];
            var s = plt.Add.Scatter(x, y, Palette.GetColor(i));
            s.LegendText = name;
            s.LineWidth = 2;
            s.MarkerSize = 6;
            // Past the palette's 8 colours a series differs by its markers (a dashed line would not survive into the SVG).
            if (i >= Palette.Colors.Length) s.MarkerShape = MarkerShape.FilledSquare;
            if (lo is null || hi is null || x.Length < 2) continue;
            var band = plt.Add.FillY(x, lo, hi);
            band.FillColor = s.Color.WithAlpha(0.15);
            band.LineWidth = 0;
        }
        var xs = drawn.SelectMany(s => s.X).ToList();
        // Layers are whole numbers: ticks at each, never at half a layer.
        if (xs.Count > 0 && xs.All(v => v == Math.Round(v)) && xs.Max() - xs.Min() <= 40)
        {
            var ticks = Enumerable.Range((int)xs.Min(), (int)(xs.Max() - xs.Min()) + 1).Select(v => (double)v).ToArray();
            plt.Axes.Bottom.SetTicks(ticks, ticks.Select(v => $"{v}").ToArray());
        }
        // Losses and rates are not negative: the axis starts at 0, so heights compare.
        var ys = drawn.SelectMany(s => s.Y.Concat(s.Hi ?? [])).Where(double.IsFinite).ToList();
        if (ys.Count > 0 && ys.Min() >= 0) plt.Axes.SetLimitsY(0, Math.Max(ys.Max(), 1e-9) * 1.05);
        Label(plt, title, caption, xLabel, yLabel);
        plt.ShowLegend(Edge.Right);
        Save(plt, pathNoExt);
    }

    /// <summary>Grouped bars: for each category (x), one bar per series (e.g. a feature's weight in the reconstruction and in the cleaned vector).</summary>
    public static void GroupedBars(string pathNoExt, string title, string caption, string yLabel, string[] categories, IReadOnlyList<(string Name, double[] Values)> series)
    {
        var plt = new Plot();
        double width = 0.8 / series.Count;
        for (int s = 0; s < series.Count; s++)
        {
            // From the palette's second colour: its first, black, hides a bar's outline and reads as missing.
            var bars = series[s].Values.Select((v, i) => new Bar { Position = i + (s - (series.Count - 1) / 2.0) * width, Value = v, Size = width, FillColor = Palette.GetColor(s + 1) }).ToArray();
            plt.Add.Bars(bars.Where(b => double.IsFinite(b.Value)).ToArray());
            // A missing value is said, not drawn as a bar of height 0.
            foreach (var missing in bars.Where(b => !double.IsFinite(b.Value)))
            {
                var t = plt.Add.Text("n/a", missing.Position, 0);
                t.LabelFontSize = 9;
                t.LabelAlignment = Alignment.LowerCenter;
            }
            plt.Legend.ManualItems.Add(new LegendItem { LabelText = series[s].Name, FillColor = Palette.GetColor(s + 1) });
        }
        plt.Axes.Bottom.SetTicks(Enumerable.Range(0, categories.Length).Select(i => (double)i).ToArray(), categories);
        plt.Axes.Bottom.TickLabelStyle.Rotation = categories.Length > 8 ? 45 : 0;
        if (categories.Length > 8) RoomFor(plt.Axes.Bottom, categories);
        Label(plt, title, caption, "", yLabel);
        plt.ShowLegend(Edge.Right);
        Save(plt, pathNoExt);
    }

    /// <summary>Rotated tick labels need room below the axis for the longest one, or they are clipped.</summary>
    private static void RoomFor(IAxis bottom, string[] labels) => bottom.MinimumSize = 20 + 7 * labels.DefaultIfEmpty("").Max(l => l.Length);

    private static void Label(Plot plt, string title, string caption, string xLabel, string yLabel)
    {
        plt.Title($"{title}\n{Wrap(caption, 110)}", size: 13);
        if (xLabel != "") plt.XLabel(xLabel);
        if (yLabel != "") plt.YLabel(yLabel);
    }

    /// <summary>A long caption in lines of at most <paramref name="width"/> characters, broken after its commas and semicolons, since a title wider than the figure is clipped at both ends.</summary>
    private static string Wrap(string caption, int width)
    {
        var lines = new List<string> { "" };
        foreach (var piece in System.Text.RegularExpressions.Regex.Split(caption, "(?<=[,;] )"))
        {
            if (lines[^1].Length > 0 && lines[^1].Length + piece.Length > width) lines.Add("");
            lines[^1] += piece;
        }
        return string.Join("\n", lines.Select(l => l.TrimEnd()));
    }

    private static void Save(Plot plt, string pathNoExt)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(pathNoExt))!);
        AtomicFile.Write(pathNoExt + ".png", tmp => plt.SavePng(tmp, Width, Height));
        // A heatmap's SVG holds its cells as a bitmap of one pixel each, which browsers blur when they scale it up.
        string svg = SvgCompaction.Compact(plt.GetSvgHtml(Width, Height)).Replace("<image ", "<image style=\"image-rendering:pixelated\" ");
        AtomicFile.Write(pathNoExt + ".svg", tmp => File.WriteAllText(tmp, svg));
    }
}
