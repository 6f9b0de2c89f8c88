using System.Text.Json;

namespace NativeTV.Host.Reports;

/// <summary>
/// A cleaned vector's scores (sweep, clean and detectors each write their own shape) as labelled lines a person reads:
/// "task vector: loss 1.43 [1.30, 1.55], accuracy 0.688", never the JSON's keys. Per-prompt arrays are left out (the
/// page summarises; results.jsonl keeps them).
/// </summary>
public static class ScoreList
{
    private static readonly Dictionary<string, string> Labels = new()
    {
        ["eval"] = "cleaned vector", ["cleaned"] = "cleaned vector", ["tv"] = "task vector", ["no_steering"] = "no steering",
        ["detector_vector"] = "detector vector", ["task_specificity"] = "task specificity", ["sae_reconstruction"] = "SAE reconstruction",
        ["Loss"] = "loss", ["Nll"] = "loss", ["Accuracy"] = "accuracy", ["L0"] = "features", ["Count"] = "prompts", ["Scale"] = "scale",
    };

    public static IEnumerable<(string, string)> Of(JsonElement scores) => scores.ValueKind != JsonValueKind.Object ? []
        : scores.EnumerateObject().Select(p => (Label(p.Name), Line(p.Value))).Where(p => p.Item2 != "");

    /// <summary>A group's numbers in one line; an interval (NameCi95) follows its value.</summary>
    private static string Line(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Number) return Html.Num(e.GetDouble());
        if (e.ValueKind != JsonValueKind.Object) return "";
        var parts = new List<string>();
        foreach (var p in e.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number))
        {
            bool loss = p.Name is "Loss" or "Nll";
            string Format(double v) => loss ? Html.Loss(v) : Html.Num(v);
            string ci = e.TryGetProperty(p.Name + "Ci95", out var c) && c.ValueKind == JsonValueKind.Array && c.GetArrayLength() == 2
                ? $" [{Format(c[0].GetDouble())}, {Format(c[1].GetDouble())}]" : "";
            parts.Add($"{Label(p.Name)} {Format(p.Value.GetDouble())}{ci}");
        }
        return string.Join(", ", parts);
    }

    /// <summary>A known key's label, else the key in words (snake_case and PascalCase alike).</summary>
    private static string Label(string key) => Labels.GetValueOrDefault(key)
        ?? System.Text.RegularExpressions.Regex.Replace(key.Replace('_', ' '), "(?<=[a-z])(?=[A-Z])", " ").ToLowerInvariant();
}
