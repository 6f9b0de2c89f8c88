namespace NativeTV.Host.Cli;

public static class Parse
{
    /// <summary>"2,651,1234" -> [2, 651, 1234]; ranges "0-3" expand.</summary>
    public static int[] IntList(string s, string option)
    {
        var r = new List<int>();
        foreach (var part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', 1);
            if (dash > 0 && int.TryParse(part[..dash], out int a) && int.TryParse(part[(dash + 1)..], out int b) && a <= b)
                r.AddRange(Enumerable.Range(a, b - a + 1));
            else if (int.TryParse(part, out int v)) r.Add(v);
            else throw new ArgumentException($"{option}: '{part}' is not an integer");
        }
        if (r.Count == 0) throw new ArgumentException($"{option}: empty list");
        return r.ToArray();
    }
}
