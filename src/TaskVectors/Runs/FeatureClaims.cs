using System.Globalization;
using NativeTV.TaskVectors.Experiments;

namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// The claims of the feature experiments (claims.json's <see cref="Claims.FeaturesPart"/>), decided from the files `features`
/// writes: single features steer their own task most (feature_steering/relative_change.L*.csv, read with which tasks kept
/// each feature in cleaned/), more than a random SAE feature and a random direction of the same norm do
/// (controls.L*.csv); task detectors act a layer earlier, lower the one-shot loss and are task-specific at the outputs'
/// last tokens (detectors/summary.L*.csv). Tasks in mean_excludes are left out of every mean and of the matrix's rows.
/// Intervals are 95% bootstraps over kept features (steering) or tasks (detectors; their CSV keeps no per-prompt loss).
/// A claim whose file is missing is not made.
/// </summary>
public static class FeatureClaims
{
    public static IReadOnlyList<Claim> Measure(string steeringDir, string cleanedDir, string detectorsDir, int layer, int detectorLayer, IReadOnlyCollection<string>? meanExcludes)
    {
        var claims = new List<Claim>();
        bool Kept(string task) => meanExcludes?.Contains(task) != true;
        string matrixPath = Path.Combine(steeringDir, $"relative_change.L{layer}.csv");
        if (File.Exists(matrixPath)) claims.AddRange(Steering(matrixPath, Path.Combine(steeringDir, $"controls.L{layer}.csv"), FeatureLists.KeptBy(cleanedDir, layer), layer, Kept));
        string detectors = Path.Combine(detectorsDir, $"summary.L{detectorLayer}.csv");
        if (File.Exists(detectors)) claims.AddRange(Detectors(detectors, detectorLayer, layer, Kept));
        return claims;
    }

    private static IEnumerable<Claim> Steering(string matrixPath, string controlsPath, Dictionary<int, string[]> keptBy, int layer, Func<string, bool> kept)
    {
        var m = Csv.Read(matrixPath);
        var rows = m.Rows.Where(r => kept(r[0])).ToList();
        var tasks = rows.Select(r => r[0]).ToList();
        // Each column kept by a task of the rows: its change per task, and its own tasks.
        var features = m.Header.Skip(1).Select((col, j) => (Col: j + 1, Own: keptBy.GetValueOrDefault(Csv.FeatureId(matrixPath, col), []).Where(tasks.Contains).ToHashSet()))
            .Where(f => f.Own.Count > 0).ToList();
        if (features.Count == 0) yield break;
        double Change(string[] row, int col) => Csv.Number(matrixPath, row, col);

        var own = features.Select(f =>
        {
            var best = rows.MinBy(r => Change(r, f.Col))!;
            return Change(best, f.Col) < 0 && f.Own.Contains(best[0]) ? 1.0 : 0.0;
        }).ToArray();
        double chance = features.Average(f => (double)f.Own.Count / tasks.Count);
        var ci = Bootstrap.Ci95(own);
        yield return new Claim($"layer {layer}: single features steer their own task most",
            $"fraction of {features.Count} kept features whose largest loss drop over {tasks.Count} tasks is on a task that kept them (chance {chance:0.###})",
            own.Average(), ci, $"holds if the whole interval is above chance ({chance:0.###})", Verdict(ci[0] > chance, own.Average() > chance));

        if (!File.Exists(controlsPath)) yield break;
        var c = Csv.Read(controlsPath);
        int rf = Csv.Column(controlsPath, c.Header, h => h.StartsWith("random_feature_")), rd = Csv.Column(controlsPath, c.Header, h => h == "random_direction_change");
        // The better control on each task: a feature must beat both a random live feature and a random direction.
        var control = c.Rows.ToDictionary(r => r[0], r => new[] { Csv.Number(controlsPath, r, rf), Csv.Number(controlsPath, r, rd) }.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Min());
        var margins = features.Select(f => f.Own.Average(t => Change(rows.Single(r => r[0] == t), f.Col) - control.GetValueOrDefault(t, double.NaN))).ToArray();
        if (margins.Any(double.IsNaN)) yield break;
        var mci = Bootstrap.Ci95(margins);
        yield return new Claim($"layer {layer}: single features lower their own task's loss more than a random SAE feature or a random direction of the same norm",
            $"relative loss change on the feature's own task minus the better control's there, mean over {features.Count} kept features",
            margins.Average(), mci, "holds if the whole interval is below 0", Verdict(mci[1] < 0, margins.Average() < 0));
    }

    private static IEnumerable<Claim> Detectors(string path, int detectorLayer, int layer, Func<string, bool> kept)
    {
        var d = Csv.Read(path);
        int none = Csv.Column(path, d.Header, h => h == "no_steering_loss"), cleaned = Csv.Column(path, d.Header, h => h == "cleaned_loss"),
            spec = Csv.Column(path, d.Header, h => h == "specificity");
        var rows = d.Rows.Where(r => kept(r[0])).ToList();
        if (rows.Count == 0) yield break;
        bool earlier = detectorLayer < layer;
        var drops = rows.Select(r => Csv.Number(path, r, cleaned) - Csv.Number(path, r, none)).ToArray();
        var ci = Bootstrap.Ci95(drops);
        yield return new Claim($"task detectors act earlier (layer {detectorLayer}, task features at layer {layer}) and lower the one-shot loss",
            $"loss(cleaned detector) - loss(no steering) on one-shot prompts, mean over {rows.Count} tasks",
            drops.Average(), ci, "holds if the detectors' layer is below the task features' and the whole interval (over tasks) is below 0",
            earlier ? Verdict(ci[1] < 0, drops.Average() < 0) : "not");

        // Specificity is measured against every task of the run (every row), so chance is one over them; a detector with no feature has none.
        var s = rows.Select(r => Csv.Number(path, r, spec)).Where(double.IsFinite).ToArray();
        if (s.Length == 0) yield break;
        double chance = 1.0 / d.Rows.Count;
        var sci = Bootstrap.Ci95(s);
        yield return new Claim($"detector features at layer {detectorLayer} fire on completed outputs of their own task",
            $"task specificity of cleaned detectors at the outputs' last tokens, mean over {s.Length} tasks (chance {chance:0.###})",
            s.Average(), sci, $"holds if the whole interval (over tasks) is above chance ({chance:0.###})", Verdict(sci[0] > chance, s.Average() > chance));
    }

    private static string Verdict(bool whole, bool point) => whole ? "holds" : point ? "partly" : "not";

    /// <summary>The feature experiments' CSVs: a header and rows of comma-separated cells, task first; every problem names the file.</summary>
    private sealed record Csv(string[] Header, List<string[]> Rows)
    {
        public static Csv Read(string path)
        {
            var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
            if (lines.Length == 0) throw new FormatException($"{path}: empty, no header");
            var header = lines[0].Split(',');
            var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
            if (rows.FirstOrDefault(r => r.Length != header.Length) is { } bad)
                throw new FormatException($"{path}: line {rows.IndexOf(bad) + 2} has {bad.Length} cells, the header {header.Length}");
            return new Csv(header, rows);
        }

        public static int Column(string path, string[] header, Func<string, bool> which) =>
            Array.FindIndex(header, h => which(h)) is var i and >= 0 ? i : throw new FormatException($"{path}: a column is missing from the header ({string.Join(",", header)})");

        /// <summary>A cell's number; an empty cell (a value that was not measured) is NaN.</summary>
        public static double Number(string path, string[] row, int col) =>
            row[col].Length == 0 ? double.NaN
            : double.TryParse(row[col], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
            : throw new FormatException($"{path}: \"{row[col]}\" in row {row[0]} is not a number");

        /// <summary>A matrix column's feature id: "f123" -> 123.</summary>
        public static int FeatureId(string path, string col) =>
            col.StartsWith('f') && int.TryParse(col[1..], NumberStyles.None, CultureInfo.InvariantCulture, out int id) ? id
            : throw new FormatException($"{path}: column \"{col}\" is not a feature (f<id>)");
    }
}
