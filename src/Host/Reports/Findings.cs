using NativeTV.TaskVectors.Runs;

namespace NativeTV.Host.Reports;

/// <summary>The claims table in a few sentences, above it, so a reader knows the outcome before reading rules and intervals.</summary>
public static class Findings
{
    private static readonly (string Verdict, string Says)[] Verdicts = [("holds", "Holds"), ("partly", "Holds in the point estimate only"), ("not", "Does not hold")];

    public static string Of(IReadOnlyList<Claim> claims)
    {
        var said = Verdicts.Select(v => (v.Says, Names: claims.Where(c => c.Verdict == v.Verdict).Select(c => c.Name).ToList()))
            .Where(v => v.Names.Count > 0)
            .Select(v => $"<li><b>{v.Says}</b> ({v.Names.Count} of {claims.Count}): {Html.Esc(string.Join("; ", v.Names))}.</li>");
        return $"<ul class=\"findings\">{string.Concat(said)}</ul>";
    }
}
