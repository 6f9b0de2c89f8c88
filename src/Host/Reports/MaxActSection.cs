using System.Globalization;
using System.Text;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Host.Reports;

/// <summary>
/// The max-activating examples of maxact/maxact.L*.json: per feature its top contexts, each token shaded by the
/// feature's activation on it (relative to the feature's corpus maximum) and the peak token outlined.
/// Cleaned-vector cards link their feature ids here.
/// </summary>
public static class MaxActSection
{
    private const int ExamplesShown = 5, Before = 24, After = 8;

    public static string Anchor(int layer, int feature) => $"maxact-L{layer}-f{feature}";

    public static ReportSection? Of(Dictionary<int, (string Path, MaxActResult File)> maxact)
    {
        if (maxact.Count == 0) return null;
        var b = new StringBuilder();
        foreach (var (layer, (path, f)) in maxact.OrderBy(kv => kv.Key))
        {
            b.Append($"<h3>layer {layer}</h3>").Append(Html.Source($"maxact/{Path.GetFileName(path)}",
                $"model {f.Model}, SAE {f.Sae}, corpus {f.Corpus}: {f.Contexts:N0} contexts, {f.Tokens:N0} tokens; the top {ExamplesShown} examples of each of {f.Features.Length} features; shading = activation / the feature's max"));
            foreach (var feature in f.Features)
            {
                b.Append($"<div class=\"feat\" id=\"{Anchor(layer, feature.Id)}\"><h4>f{feature.Id} <span class=\"muted\">max {Html.Num(feature.Max)}, active on {feature.Count:N0} tokens</span></h4>");
                foreach (var e in feature.Examples.Take(ExamplesShown))
                    b.Append("<div class=\"exrow\">").Append(Example(e, feature.Max, Before, After)).Append("</div>");
                b.Append("</div>");
            }
        }
        return new ReportSection("maxact", "Max-activating examples", b.ToString());
    }

    /// <summary>One example: the peak activation, then the tokens from <paramref name="before"/> before the peak token to <paramref name="after"/> after it.</summary>
    public static string Example(MaxActExample e, double max, int before, int after)
    {
        int from = Math.Max(0, e.Target - before), to = Math.Min(e.Tokens.Length, e.Target + after + 1);
        double scale = max > 0 ? max : e.Activations.Max();
        var b = new StringBuilder($"<span class=\"act\">{Html.Num(e.Activation)}</span><span class=\"ex\">");
        if (from > 0) b.Append("<span class=\"cut\">&hellip;</span>");
        for (int i = from; i < to; i++)
        {
            double alpha = scale > 0 ? Math.Clamp(e.Activations[i] / scale, 0, 1) : 0;
            b.Append($"<span class=\"{(i == e.Target ? "tok tgt" : "tok")}\" style=\"background:rgba(255,128,0,{alpha.ToString("F2", CultureInfo.InvariantCulture)})\" title=\"{Html.Num(e.Activations[i])}\">")
             .Append(Html.Esc(e.Tokens[i].Replace("\n", "\u21b5").Replace("\t", "\u21e5"))).Append("</span>");
        }
        if (to < e.Tokens.Length) b.Append("<span class=\"cut\">&hellip;</span>");
        return b.Append("</span>").ToString();
    }
}
