namespace NativeTV.Tests.RunFolders;

/// <summary>A run's results.csv read by column name, so tests do not depend on where a column sits.</summary>
public static class ResultsCsv
{
    public static List<Dictionary<string, string>> Rows(string run)
    {
        var lines = File.ReadAllLines(Path.Combine(run, "results.csv"));
        var header = lines[0].Split(',');
        return lines[1..].Select(l => header.Zip(l.Split(',')).ToDictionary(x => x.First, x => x.Second)).ToList();
    }

    public static double Number(string s) => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
}
