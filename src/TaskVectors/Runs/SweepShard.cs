namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> of a sweep (a Slurm array task): it computes only its own cells,
/// into RUN/shards/results.I-of-N.jsonl under its own lock, so shards share a run folder (a network file system
/// included) without two writers on one file; a finishing `sweep --finish` merges them. The partition is
/// deterministic, so a failed task resubmitted finds exactly its own cells again and resumes them.
/// </summary>
public sealed record SweepShard(int Index, int Count)
{
    public const string Folder = "shards";

    /// <summary>"I/N" with 0 &lt;= I &lt; N, as Slurm's $SLURM_ARRAY_TASK_ID/N gives it.</summary>
    public static SweepShard Parse(string s, string option)
    {
        var parts = s.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int i) || !int.TryParse(parts[1], out int n))
            throw new ArgumentException($"{option}: '{s}' is not I/N (e.g. 0/8)");
        if (n < 1 || i < 0 || i >= n) throw new ArgumentException($"{option}: shard {i} of {n} does not exist (0 <= I < N)");
        return new SweepShard(i, n);
    }

    public string LockName => $".nativetv.shard-{Index}-of-{Count}.lock";
    public string LogName => $"results.{Index}-of-{Count}.jsonl";

    /// <summary>
    /// The shard of each cell: longest-processing-time first (cells by falling cost, each to the least loaded shard,
    /// ties to the lower index), so shards end close together although a cell with an SAE costs far more than one without.
    /// </summary>
    public static int[] Partition(IReadOnlyList<double> costs, int count)
    {
        var owner = new int[costs.Count];
        var load = new double[count];
        foreach (int c in Enumerable.Range(0, costs.Count).OrderByDescending(c => costs[c]).ThenBy(c => c))
        {
            int s = Array.IndexOf(load, load.Min());
            owner[c] = s;
            load[s] += costs[c];
        }
        return owner;
    }
}
