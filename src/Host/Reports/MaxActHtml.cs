using NativeTV.Transformer.Files;
using System.Globalization;
using System.Net;
using System.Text;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Host.Reports;

/// <summary>
/// The max-activating examples as one self-contained HTML page (inline CSS, nothing fetched): a section per
/// feature (id "f{id}"), each example a line of tokens shaded by the feature's activation relative to its
/// corpus maximum, the token it was ranked by in bold with a border, drawn as the report draws them
/// (<see cref="MaxActSection.Example"/>). Every string is HTML-escaped, so tokens such as "&lt;bos&gt;" show literally.
/// </summary>
public static class MaxActHtml
{
    private const string Style = """
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 70em; }
        h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
        .meta { color: #555; }
        nav a { margin-right: 0.6em; }
        .exrow { font-family: ui-monospace, monospace; white-space: pre; margin: 3px 0; line-height: 1.7; }
        .act { display: inline-block; width: 6em; color: #666; }
        .tok { padding: 1px 2px; margin-right: 2px; border-radius: 2px; border: 1px solid transparent; }
        .tok.tgt { font-weight: bold; border-color: #000; }
        """;

    public static void Write(string path, MaxActResult r)
    {
        var h = new StringBuilder();
        string E(string s) => WebUtility.HtmlEncode(s);
        string F(double x, string fmt = "0.###") => x.ToString(fmt, CultureInfo.InvariantCulture);
        h.Append($"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>max-activating examples, layer {r.Layer}</title>\n");
        h.Append($"<style>\n{Style}\n</style></head><body>\n<h1>Max-activating examples, layer {r.Layer}</h1>\n");
        h.Append($"<p class=\"meta\">model {E(r.Model)}, SAE {E(r.Sae)}, corpus {E(r.Corpus)}: {r.Contexts} contexts, {r.Tokens} tokens encoded (BOS left out). ");
        h.Append("Shading: the feature's activation over its maximum on the corpus; boxed: the token the example is ranked by; at most one example per context.</p>\n");
        h.Append("<nav>").AppendJoin(" ", r.Features.Select(f => $"<a href=\"#f{f.Id}\">f{f.Id}</a>")).Append("</nav>\n");
        foreach (var f in r.Features)
        {
            h.Append($"<section id=\"f{f.Id}\"><h2>feature {f.Id}</h2>\n");
            h.Append($"<p class=\"meta\">max {F(f.Max)}, fired on {f.Count} of {r.Tokens} tokens ({F(r.Tokens == 0 ? 0 : 100.0 * f.Count / r.Tokens, "0.###")}%)");
            h.Append(f.Examples.Length == 0 ? "; no token activates it.</p>\n" : "</p>\n");
            foreach (var ex in f.Examples)
                h.Append($"<div class=\"exrow\" title=\"context {ex.Context}\">").Append(MaxActSection.Example(ex, f.Max, ex.Tokens.Length, ex.Tokens.Length)).Append("</div>\n");
            h.Append("</section>\n");
        }
        h.Append("</body></html>\n");
        AtomicFile.WriteAllText(path, h.ToString());
    }
}
