using System.Text.RegularExpressions;

namespace NativeTV.TaskVectors.Runs;

/// <summary>A claim as one prompt seed's run measured it; Value and Ci95 null, and Verdict "not measured", where that run has no such claim.</summary>
public sealed record ClaimSeed(int Seed, double? Value, double[]? Ci95, string Verdict);

/// <summary>
/// The claims table over prompt seeds (`sweep --repeats`): each claim of the run folder's own seed gains the same claim
/// as every seed's run measured it, and a count of the seeds where it holds. A claim is the same across seeds when
/// its name is, once the numbers a run measured in parentheses (the best layer, the mean L0) are left out. A seed's
/// run may lack a claim (where the task vector does not help at a layer, the claims that rest on it are not made).
/// </summary>
public static partial class RepeatClaims
{
    public static IReadOnlyList<Claim> Across(IReadOnlyList<(int Seed, IReadOnlyList<Claim> Claims)> seeds)
    {
        var bySeed = seeds.Select(s => (s.Seed, Claims: s.Claims.GroupBy(c => Key(c.Name)).ToDictionary(g => g.Key, g => g.First()))).ToList();
        return seeds[0].Claims.Select(c =>
        {
            var per = bySeed.Select(s => s.Claims.TryGetValue(Key(c.Name), out var m)
                ? new ClaimSeed(s.Seed, m.Value, m.Ci95, m.Verdict) : new ClaimSeed(s.Seed, null, null, "not measured")).ToList();
            var others = per.Where(p => p.Verdict != "holds").GroupBy(p => p.Verdict).Select(g => $"{g.Key} {g.Count()}").ToList();
            string across = $"holds in {per.Count(p => p.Verdict == "holds")} of {per.Count} prompt seeds" + (others.Count > 0 ? $" ({string.Join(", ", others)})" : "");
            return c with { Seeds = per, AcrossSeeds = across };
        }).ToList();
    }

    /// <summary>The claim's name without parenthesised numbers, collapsed spaces.</summary>
    public static string Key(string name) => Spaces().Replace(Measured().Replace(name, " "), " ").Trim();

    [GeneratedRegex(@"\s*\([^()]*\d[^()]*\)")]
    private static partial Regex Measured();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
