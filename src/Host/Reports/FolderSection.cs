using System.Text;

namespace NativeTV.Host.Reports;

/// <summary>
/// A run's folder of figures and CSV tables (figures/, feature_steering/, and whatever later commands write):
/// every figure embedded and every CSV as a sortable table, each under its file name, less those already shown
/// higher up; a figure and a table of the same name sit side by side, the figure linked to the table.
/// </summary>
public static class FolderSection
{
    public static ReportSection? Of(string runDir, string folder, ISet<string> shown)
    {
        string dir = Path.Combine(runDir, folder);
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir).Where(f => (f.EndsWith(".png") || f.EndsWith(".csv"))
            && !shown.Contains($"{folder}/{Path.GetFileNameWithoutExtension(f)}")).ToList() : [];
        if (files.Count == 0) return null;
        var b = new StringBuilder(Html.Source(folder + "/", $"{files.Count} files (figures and CSV tables), each under its file name"));
        b.Append("<div class=\"items\">");
        foreach (var same in files.GroupBy(f => Path.GetFileNameWithoutExtension(f)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            string? png = same.FirstOrDefault(f => f.EndsWith(".png")), csv = same.FirstOrDefault(f => f.EndsWith(".csv"));
            string? csvHref = csv == null ? null : $"{folder}/{Path.GetFileName(csv)}";
            b.Append(csv == null ? "<div class=\"item\">" : "<div class=\"item wide\">");
            if (png != null) b.Append(Html.Figure(png, $"{folder}/{Path.GetFileName(png)}", $"{folder.Replace('_', ' ')}: {same.Key.Replace('_', ' ')}", csvHref));
            if (csv != null) b.Append(Html.Csv(CsvTable.Read(csv), csvHref!));
            b.Append("</div>");
        }
        string title = folder.Replace('_', ' ');
        return new ReportSection("dir-" + folder, char.ToUpperInvariant(title[0]) + title[1..], b.Append("</div>").ToString());
    }
}
