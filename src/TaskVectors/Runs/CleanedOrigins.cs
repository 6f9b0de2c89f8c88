using System.Globalization;
using NativeTV.Transformer.Files;

namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// Where cleaned vectors' features came from, one figure per layer (figures/cleaned_origins.L{layer}): per task, the
/// cleaned weight (over the vector's largest) of the SAE reconstruction's features by rank (1 = the reconstruction's
/// strongest), then of the reconstruction's weaker ones together, then of features the reconstruction did not hold.
/// Cleaning that keeps the top of the reconstruction fills the first columns; one that finds other features, the last.
/// </summary>
public static class CleanedOrigins
{
    private const int Ranks = 8;

    public static void Write(string figuresDir, string cleanedDir, string caption)
    {
        if (!Directory.Exists(cleanedDir)) return;
        var byLayer = Directory.GetFiles(cleanedDir, "*.json").Order(StringComparer.Ordinal)
            .Select(p => (Path: p, V: CleanedVectorJson.Read(p))).Where(x => x.V.ReconstructionFeatures != null)
            .GroupBy(x => int.TryParse(x.V.Provenance.GetValueOrDefault("layer"), out int l) ? l : -1).Where(g => g.Key >= 0);
        string[] cols = [.. Enumerable.Range(1, Ranks).Select(r => $"#{r}"), $"#{Ranks + 1}+", "not in recon"];
        foreach (var g in byLayer)
        {
            var rows = g.Select(x => x.V).ToList();
            var values = new double[rows.Count, cols.Length];
            for (int t = 0; t < rows.Count; t++)
            {
                var v = rows[t];
                double max = v.Features.Select(f => Math.Abs(f.Weight)).DefaultIfEmpty(0).Max();
                if (max == 0) continue;
                var recon = v.ReconstructionFeatures!;
                for (int r = 0; r < recon.Length; r++) values[t, Math.Min(r, Ranks)] += Math.Abs(recon[r].Weight) / max;
                var inRecon = recon.Select(f => f.Id).ToHashSet();
                values[t, Ranks + 1] = v.Features.Where(f => !inRecon.Contains(f.Id)).Sum(f => Math.Abs(f.Weight)) / max;
            }
            string[] tasks = rows.Select(v => v.Provenance.GetValueOrDefault("task") ?? "?").ToArray();
            string path = Path.Combine(figuresDir, $"cleaned_origins.L{g.Key}");
            Figures.Heatmap(path, $"layer {g.Key}: where the cleaned features come from in the SAE reconstruction", caption, tasks, cols, values,
                "cleaned weight / the vector's largest");
            AtomicFile.WriteAllLines(path + ".csv", [$"task,{string.Join(",", cols)}",
                .. tasks.Select((t, i) => t + "," + string.Join(",", Enumerable.Range(0, cols.Length).Select(j => values[i, j].ToString("G4", CultureInfo.InvariantCulture))))]);
        }
    }
}
