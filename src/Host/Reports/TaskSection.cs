using System.Text;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Host.Reports;

/// <summary>
/// The detail behind the headline, one collapsed block per task (a reader opens the few they care about): its
/// loss-by-layer figure, its cleaned task vectors and its cleaned detector vectors, failed cleanings counted in the
/// block's title.
/// </summary>
public static class TaskSection
{
    public static ReportSection Of(string runDir, IReadOnlyList<string> tasks, Dictionary<int, (string Path, MaxActResult File)> maxact, ISet<string> shown)
    {
        var cards = CleanedCards.Of(runDir, "cleaned", "task-vector", maxact).Concat(CleanedCards.Of(runDir, "detectors/cleaned", "detector-vector", maxact)).ToLookup(c => c.Task);
        var b = new StringBuilder(Html.Source("figures/loss_by_layer.TASK, cleaned/*.json, detectors/cleaned/*.json",
            "cleaned task vectors (METHOD.md §6) and detector vectors (§7, scored on one-shot prompts steered at the example's output); chart weights are normalised by each vector's largest"));
        foreach (var task in tasks.Concat(cards.Select(g => g.Key)).Distinct())
        {
            var mine = cards[task].ToList();
            int failed = mine.Count(c => c.Failed);
            b.Append($"<details class=\"task\" id=\"task-{Html.Esc(TaskFileName.Of(task))}\"><summary><b>{Html.Esc(task)}</b>");
            b.Append($" <span class=\"muted\">{mine.Count} cleaned vectors{(failed > 0 ? $", <span class=\"flag\">{failed} failed</span>" : "")}</span></summary>");
            string stem = $"figures/loss_by_layer.{TaskFileName.Of(task)}", png = Path.Combine(runDir, stem + ".png");
            if (File.Exists(png))
            {
                b.Append(Html.Figure(png, stem + ".png", $"{task}: loss by layer for every method, with 95% intervals", "results.csv"));
                shown.Add(stem);
            }
            foreach (var c in mine) b.Append(c.Html);
            b.Append("</details>");
        }
        return new ReportSection("tasks", "Per task", b.ToString());
    }
}
