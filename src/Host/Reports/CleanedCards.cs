using System.Text;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Host.Reports;

/// <summary>
/// A card per cleaned vector in FOLDER/*.json (cleaned/ task vectors, detectors/cleaned/ detector vectors): its scores, its features (weight, weight in the SAE
/// reconstruction, task specificity; with maxact at the layer, a link to each feature's examples and its top
/// example inline) and the bar chart beside them. A cleaning that kept no features, or ended worse than the
/// reconstruction it started from, is marked failed, since its scores would otherwise read as a result.
/// </summary>
public static class CleanedCards
{
    /// <summary>Each vector's task, card and whether its cleaning failed, in file-name order; <paramref name="id"/> (task-vector, detector-vector) prefixes each card's anchor and, in words, names its kind.</summary>
    public static IReadOnlyList<(string Task, string Html, bool Failed)> Of(string runDir, string folder, string id, Dictionary<int, (string Path, MaxActResult File)> maxact)
    {
        string dir = Path.Combine(runDir, folder);
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal).ToList() : [];
        return files.Select(path =>
        {
            var v = CleanedVectorJson.Read(path);
            return (v.Provenance.GetValueOrDefault("task") ?? Path.GetFileNameWithoutExtension(path), Card(path, folder, id, v, maxact), Failure(v) != null);
        }).ToList();
    }

    private static string Card(string path, string folder, string id, CleanedVectorJson v, Dictionary<int, (string Path, MaxActResult File)> maxact)
    {
        string name = Path.GetFileNameWithoutExtension(path);
        string task = v.Provenance.GetValueOrDefault("task") ?? name;
        int? layer = int.TryParse(v.Provenance.GetValueOrDefault("layer"), out int l) ? l
            : CleanedVectorFiles.LayerOf(name);
        MaxActResult? acts = layer is { } L && maxact.TryGetValue(L, out var found) ? found.File : null;

        string? failed = Failure(v);
        var b = new StringBuilder($"<div class=\"card{(failed == null ? "" : " failed")}\" id=\"{id}-{Html.Esc(name)}\"><h4>{Html.Esc(task)}");
        b.Append($"{(layer is { } at ? $", layer {at}" : "")}, {id.Replace('-', ' ')}: {v.L0} features (SAE reconstruction: {v.ReconstructionL0})");
        if (failed != null) b.Append($" <span class=\"flag\">{failed}</span>");
        b.Append("</h4>");
        b.Append(Html.Source($"{folder}/{Path.GetFileName(path)}", CleanedVectorFiles.Caption(v.Provenance)));
        b.Append("<div class=\"cardbody\"><div>").Append(Html.KeyValues(ScoreList.Of(v.Scores)));
        string[] header = ["feature", "weight", "reconstruction weight", "task specificity", .. acts == null ? Array.Empty<string>() : ["top example"]];
        var rows = v.Features.Select(f => (IReadOnlyList<string>)[$"f{f.Id}", Html.Num(f.Weight), Html.Num(f.ReconstructionWeight),
            f.TaskSpecificity is { } s ? Html.Num(s) : "", .. acts == null ? Array.Empty<string>() : [$"f{f.Id}"]]);
        // Both extra cells hold "f{id}": column 0 becomes a link to the examples, column 4 the top example.
        string? Cell(int col, string text)
        {
            if (acts == null || col is not (0 or 4)) return null;
            var f = acts.Feature(int.Parse(text[1..]));
            if (col == 0) return f == null ? null : $"<a href=\"#{MaxActSection.Anchor(layer!.Value, f.Id)}\">{Html.Esc(text)}</a>";
            return f is { Examples.Length: > 0 } ? MaxActSection.Example(f.Examples[0], f.Max, 6, 2) : "";
        }
        if (v.Features.Length > 0) b.Append(Html.Table(header, rows, Cell));
        b.Append("</div>");
        // With one feature both bars are 1 (each normalised by its largest): the chart says nothing the table does not.
        string png = Path.Combine(Path.GetDirectoryName(path)!, name + ".features.png");
        if (v.Features.Length > 1 && File.Exists(png))
            b.Append(Html.Figure(png, $"{folder}/{Path.GetFileName(png)}", $"{task}: each cleaned feature's weight beside its weight in the SAE reconstruction, each normalised by its largest"));
        return b.Append("</div></div>").ToString();
    }

    private static string? Failure(CleanedVectorJson v) => v.L0 == 0 ? "failed: no features kept"
        : v.WorseThanReconstruction ? "failed: worse than the SAE reconstruction it started from on the cleaning set" : null;
}
