using System.Text;
using System.Text.Json;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Host.Reports;

/// <summary>
/// A card per cleaned vector in FOLDER/*.json (cleaned/ task vectors, detectors/cleaned/ detector vectors): its scores, its features (weight, weight in the SAE
/// reconstruction, task specificity; with maxact at the layer, a link to each feature's examples and its top
/// example inline) and the bar chart beside them.
/// </summary>
public static class CleanedSection
{
    public static ReportSection? Of(string runDir, Dictionary<int, (string Path, MaxActResult File)> maxact) =>
        Of(runDir, "cleaned", "cleaned", "Cleaned task vectors", "per task and layer the cleaned task vector (METHOD.md §6)", maxact);

    public static ReportSection? Of(string runDir, string folder, string id, string title, string what, Dictionary<int, (string Path, MaxActResult File)> maxact)
    {
        string dir = Path.Combine(runDir, folder);
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal).ToList() : [];
        if (files.Count == 0) return null;
        var b = new StringBuilder(Html.Source($"{folder}/*.json, {folder}/*.features.png", $"{what}; weights in the chart are normalised by each vector's largest"));
        foreach (var path in files) b.Append(Card(path, folder, id, CleanedVectorJson.Read(path), maxact));
        return new ReportSection(id, title, b.ToString());
    }

    private static string Card(string path, string folder, string id, CleanedVectorJson v, Dictionary<int, (string Path, MaxActResult File)> maxact)
    {
        string name = Path.GetFileNameWithoutExtension(path);
        string task = v.Provenance.GetValueOrDefault("task") ?? name;
        int? layer = int.TryParse(v.Provenance.GetValueOrDefault("layer"), out int l) ? l
            : CleanedVectorFiles.LayerOf(name);
        MaxActResult? acts = layer is { } L && maxact.TryGetValue(L, out var found) ? found.File : null;

        var b = new StringBuilder($"<details class=\"card\" open id=\"{id}-{Html.Esc(name)}\"><summary><b>{Html.Esc(task)}</b>");
        b.Append($"{(layer is { } at ? $", layer {at}" : "")}: {v.L0} features (SAE reconstruction: {v.ReconstructionL0})");
        if (v.WorseThanReconstruction) b.Append(" <b>worse than the SAE reconstruction it started from on the cleaning set</b>");
        b.Append("</summary>");
        b.Append(Html.Source($"{folder}/{Path.GetFileName(path)}", CleanedVectorFiles.Caption(v.Provenance)));
        b.Append("<div class=\"cardbody\"><div>").Append(Html.KeyValues(Flatten("", v.Scores)));
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
        b.Append(Html.Table(header, rows, Cell));
        b.Append("</div>");
        string png = Path.Combine(Path.GetDirectoryName(path)!, name + ".features.png");
        if (File.Exists(png)) b.Append(Html.Figure(png, $"{folder}/{Path.GetFileName(png)}"));
        return b.Append("</div></details>").ToString();
    }

    /// <summary>Scores of any shape as "eval.Loss 0.42" pairs, since clean and sweep write different ones.</summary>
    private static IEnumerable<(string, string)> Flatten(string prefix, JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p => Flatten(prefix == "" ? p.Name : $"{prefix}.{p.Name}", p.Value)),
        JsonValueKind.Number => [(prefix, Html.Num(e.GetDouble()))],
        JsonValueKind.Null => [],
        _ => [(prefix, e.ToString())],
    };
}
