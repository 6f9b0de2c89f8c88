using NativeTV.TaskVectors.Runs;

namespace NativeTV.TaskVectors.Experiments;

/// <summary>One prompt sample of a repeated sweep: its seed, its run folder and its sweep there.</summary>
public sealed record SeedRun(int Seed, RunFolder Folder, Sweep Sweep);

/// <summary>
/// `sweep --repeats N`: the sweep on N prompt samples, seeds s..s+N-1. Seed s is the run folder itself, so N = 1 is a
/// plain sweep; each other seed S is a complete run folder of its own, RUN/repeats/seed-S, exactly what `sweep --seed S`
/// writes (its own settings guard, log, resume, shard logs, figures and claims), on the same model and SAEs loaded once.
/// A shard computes its share of every seed's cells. At the end <see cref="Repeats"/> writes the spread across seeds.
/// </summary>
public sealed class RepeatedSweep : IDisposable
{
    private readonly RunFolder _folder;
    private readonly PipelineContext _ctx;

    /// <summary>Every seed's run, the run folder's own first.</summary>
    public IReadOnlyList<SeedRun> Seeds { get; }
    public Sweep Main => Seeds[0].Sweep;
    /// <summary>The cells not computed yet, of every seed (of this shard), seed by seed.</summary>
    public IReadOnlyList<(SeedRun Run, (IclTask Task, int Layer) Cell)> Todo { get; }
    /// <summary>Cells done, over every seed.</summary>
    public int Done => Seeds.Sum(s => s.Sweep.Done);

    public RepeatedSweep(PipelineContext ctx, RunFolder folder, SweepOptions o, string tasksSource, bool restart, int repeats)
    {
        if (repeats < 1) throw new ArgumentException($"--repeats must be at least 1, not {repeats}");
        _folder = folder; _ctx = ctx;
        // The run folder's own sweep first: with --restart its guard clears RUN/repeats before a seed folder is taken.
        var seeds = new List<SeedRun> { new(ctx.Seed, folder, new Sweep(ctx, folder, o, tasksSource, restart, repeats)) };
        Seeds = seeds;
        try
        {
            for (int seed = ctx.Seed + 1; seed < ctx.Seed + repeats; seed++)
            {
                var f = folder.Inner(Repeats.SeedFolder(seed));
                try { seeds.Add(new SeedRun(seed, f, new Sweep(ctx.WithSeed(seed), f, o, tasksSource, restart))); }
                catch { f.Dispose(); throw; }
            }
        }
        catch { Dispose(); throw; }
        Todo = seeds.SelectMany(s => s.Sweep.Todo.Select(c => (s, c))).ToList();
    }

    /// <summary>Every seed's results, figures and claims; with more than one seed then the spread across them.</summary>
    public void Finish()
    {
        foreach (var s in Seeds) s.Sweep.Finish();
        if (Seeds.Count == 1) return;
        var seeds = Seeds.Select(s => new SeedCells(s.Seed, s.Sweep.Log.Cells)).ToList();
        string caption = $"{Path.GetFileName(Path.GetFullPath(_ctx.ModelDir))}, {Main.Settings["tasks"]}, seeds {Seeds[0].Seed}-{Seeds[^1].Seed}";
        Repeats.Write(_folder.Dir, seeds, caption, _ctx.Manifest.MeanExcludes);
        Claims.Write(_folder.Dir, Claims.SweepPart, RepeatClaims.Across(Seeds.Select(s => (s.Seed, SweepClaims(s.Folder.Dir))).ToList()));
    }

    /// <summary>The sweep's own claims of a folder (not those `features` added to the main seed's).</summary>
    private static IReadOnlyList<Claim> SweepClaims(string dir) => (Claims.Read(dir) ?? []).Where(c => c.Part == Claims.SweepPart).ToList();

    /// <summary>Releases the seed folders; the run folder itself belongs to the caller.</summary>
    public void Dispose()
    {
        foreach (var s in Seeds.Skip(1)) s.Folder.Dispose();
    }
}
