using System.Text;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Host.Reports;

/// <summary>
/// The post's headline figures, right after the claims: mean loss by layer per method, where the cleaned features come
/// from in the SAE reconstruction, then per layer the single-feature steering and detector-feature steering heatmaps. Those a run lacks are left out; the ones shown
/// are added to <c>shown</c> so the folder sections do not repeat them.
/// </summary>
public static class HeadlineSection
{
    private static readonly (string Folder, string Pattern, string Alt)[] Headlines =
    [
        ("figures", "loss_by_layer.mean", "loss by layer for every method, mean over tasks, with 95% intervals"),
        ("figures", HeldOutFigure.Name, "loss by layer on held-out words (text-only, unseen) for zero-shot, ICL, task vector and cleaned vector, with 95% intervals"),
        ("figures", "cleaned_origins.L*", "where each task's cleaned features come from: their weights by rank in the SAE reconstruction"),
        ("figures", "repeats.mean", "loss by layer over prompt seeds (sweep --repeats), mean over tasks: lines the mean over seeds, bands their range"),
        ("feature_steering", "relative_change.L*", "single-feature steering: relative loss change per task (rows) and cleaned feature (columns)"),
        ("detectors", "relative_change.L*", "detector-feature steering: relative loss change per task (rows) and detector feature (columns)"),
    ];

    public static ReportSection? Of(string runDir, ISet<string> shown)
    {
        var b = new StringBuilder("<div class=\"items\">");
        int n = 0;
        foreach (var (folder, pattern, alt) in Headlines)
        {
            string dir = Path.Combine(runDir, folder);
            if (!Directory.Exists(dir)) continue;
            foreach (var png in Directory.GetFiles(dir, pattern + ".png").Order(StringComparer.Ordinal))
            {
                string stem = $"{folder}/{Path.GetFileNameWithoutExtension(png)}";
                string? csv = File.Exists(Path.ChangeExtension(png, ".csv")) ? stem + ".csv" : folder == "figures" ? "results.csv" : null;
                b.Append("<div class=\"item\">").Append(Html.Figure(png, stem + ".png", alt, csv)).Append("</div>");
                shown.Add(stem);
                n++;
            }
        }
        return n == 0 ? null : new ReportSection("headline", "Headline figures", b.Append("</div>").ToString());
    }
}
