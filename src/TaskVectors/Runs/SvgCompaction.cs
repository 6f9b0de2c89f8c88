using System.Text.RegularExpressions;

namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// ScottPlot writes SVG numbers to 6-8 digits and indents every element. A tenth of a pixel (a hundredth below 10,
/// which keeps opacities and glyph offsets) is finer than anyone sees, and without the rest a figure, and the
/// report that embeds it, is about a sixth smaller.
/// </summary>
public static partial class SvgCompaction
{
    public static string Compact(string svg) => BetweenTags().Replace(Small().Replace(Large().Replace(svg, "$1"), "$1"), "><");

    [GeneratedRegex(@"(\d{2,}\.\d)\d+")]
    private static partial Regex Large();

    [GeneratedRegex(@"(?<![\d.])(\d\.\d\d)\d+")]
    private static partial Regex Small();

    [GeneratedRegex(@">\s+<")]
    private static partial Regex BetweenTags();
}
