using NativeTV.Host.Cli;
using NativeTV.Transformer.Files;
using System.Text.Json;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Host.Reports;

/// <summary>
/// RUN/report.html: a run folder in one self-contained page (inline style and script, figures as data URIs), in
/// the order a reader needs it: the claims and what they say, the headline figures, the best-layer summary, per-task
/// detail (collapsed), max-activating examples, every other folder of figures and CSVs, then settings and all results.
/// Parts a run lacks are left out; settings.json, results.jsonl and results.csv are required.
/// </summary>
public static class HtmlReport
{
    /// <summary>Folders shown by a section of their own; every other folder is shown by <see cref="FolderSection"/>.</summary>
    private static readonly string[] Special = ["cleaned", "maxact"];

    public static string Write(string runDir)
    {
        string path = Path.Combine(runDir, "report.html");
        AtomicFile.WriteAllText(path, Build(runDir));
        return path;
    }

    public static string Build(string runDir)
    {
        if (!Directory.Exists(runDir)) throw new ArgumentException($"{runDir}: no such run folder (`nativetv sweep --out {runDir}` makes one)");
        string settingsPath = Path.Combine(runDir, "settings.json"), resultsPath = Path.Combine(runDir, "results.csv"), logPath = Path.Combine(runDir, "results.jsonl");
        foreach (var p in new[] { settingsPath, resultsPath, logPath })
            if (!File.Exists(p)) throw new ArgumentException($"{p}: missing (a run folder has settings.json, results.jsonl and results.csv once `nativetv sweep` has finished)");
        var settings = JsonFile.Read<Dictionary<string, JsonElement>>(settingsPath, "a settings map written by sweep");
        var results = CsvTable.Read(resultsPath);
        var maxact = MaxActResult.ReadAll(runDir);
        var cells = ResultsLog.Read(logPath);
        var shown = new HashSet<string>();
        ReportSection?[] sections =
        [
            ClaimsSection(runDir),
            HeadlineSection.Of(runDir, shown),
            new("summary", "Summary", Html.Source("results.jsonl", SweepSummary.Caption(cells)) + Html.Table(SweepSummary.Header, SweepSummary.Rows(cells))),
            TaskSection.Of(runDir, cells.Select(c => c.Task).Distinct().ToList(), maxact, shown),
            MaxActSection.Of(maxact),
            .. Directory.GetDirectories(runDir).Select(Path.GetFileName).Where(d => !Special.Contains(d)).Order(StringComparer.Ordinal).Select(d => FolderSection.Of(runDir, d!, shown)),
            new("settings", "Settings", Html.Source("settings.json", "the model, tasks and settings of the sweep that made this run (later commands name theirs in their figures)") +
                Html.KeyValues(settings.Select(kv => (kv.Key, kv.Value.ValueKind == JsonValueKind.String ? kv.Value.GetString()! : kv.Value.GetRawText())))),
            new("results", "All results", Html.Source("results.csv", "one row per task, layer, method and queries: l1 = the cleaned vector's penalty, loss = nll of the answer's first n_first tokens on the evaluation prompts (or the held-out split queries names), accuracy = first-token accuracy, l0 = active SAE features, clean_loss = loss on the cleaning prompts") +
                Html.Csv(results, "results.csv")),
        ];
        string full = Path.GetFullPath(runDir).TrimEnd(Path.DirectorySeparatorChar);
        return ReportPage.Render($"NativeTV report: {Path.GetFileName(full)}", $"{full}, written {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `nativetv report`",
            sections.OfType<ReportSection>().ToList());
    }

    /// <summary>The post's claims on this run, first: what they say, then each with its measure, 95% interval, deciding rule and verdict.</summary>
    private static ReportSection? ClaimsSection(string runDir) => Claims.Read(runDir) is not { Count: > 0 } claims ? null
        : new ReportSection("claims", "Claims", Findings.Of(claims) + Html.Source(Claims.FileName, "the post's claims decided on this run's numbers; intervals: 95% bootstrap over evaluation prompts, paired by prompt (feature claims: over the features or tasks their measure names)") +
            Html.Table(["claim", "verdict", "measure", "value", "95% interval", "rule", .. Seeds(claims) ? ["over prompt seeds"] : Array.Empty<string>()],
                claims.Select(c => (IReadOnlyList<string>)[c.Name, c.Verdict, c.Measure, Html.Num(c.Value), $"[{Html.Num(c.Ci95[0])}, {Html.Num(c.Ci95[1])}]", c.Rule,
                    .. Seeds(claims) ? [OverSeeds(c)] : Array.Empty<string>()])));

    /// <summary>Whether the claims were measured in several prompt seeds (`sweep --repeats`).</summary>
    private static bool Seeds(IReadOnlyList<Claim> claims) => claims.Any(c => c.Seeds != null);

    /// <summary>The count of seeds where the claim holds, then each seed's value and verdict.</summary>
    private static string OverSeeds(Claim c) => c.Seeds is null ? "" :
        $"{c.AcrossSeeds}: " + string.Join("; ", c.Seeds.Select(s => $"seed {s.Seed} {(s.Value is { } v ? Html.Num(v) + " " : "")}{s.Verdict}"));
}
