namespace NativeTV.Host.Cli;

public static class Parse
{
    /// <summary>The most values a list may expand to: far above any real list of ids, layers or positions, and small enough to hold.</summary>
    public const int MaxListLength = 1 << 20;

    /// <summary>"2,651,1234" -> [2, 651, 1234]; ranges "0-3" expand.</summary>
    public static int[] IntList(string s, string option)
    {
        var r = new List<int>();
        foreach (var part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', 1);
            if (dash > 0 && int.TryParse(part[..dash], out int a) && int.TryParse(part[(dash + 1)..], out int b))
            {
                if (a > b) throw new ArgumentException($"{option}: {part} is reversed");
                if (r.Count + (long)b - a + 1 > MaxListLength) throw new ArgumentException($"{option}: {part} makes the list longer than {MaxListLength} values");
                r.AddRange(Enumerable.Range(a, b - a + 1));
            }
            else if (int.TryParse(part, out int v)) r.Add(v);
            else throw new ArgumentException($"{option}: '{part}' is not an integer");
        }
        if (r.Count == 0) throw new ArgumentException($"{option}: empty list");
        return r.ToArray();
    }

    /// <summary>"0.01,0.03" -> [0.01, 0.03]: finite numbers of at least <paramref name="min"/>, each named in the error when not.</summary>
    public static float[] FloatList(string s, string option, float min)
    {
        var parts = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new ArgumentException($"{option}: empty list");
        return parts.Select(p => float.TryParse(p, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? float.IsFinite(v) && v >= min ? v : throw new ArgumentException(FormattableString.Invariant($"{option} must be at least {min}, not {v}"))
            : throw new ArgumentException($"{option}: '{p}' is not a number")).ToArray();
    }
}
