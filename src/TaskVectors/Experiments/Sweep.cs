using NativeTV.Kernels;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Runs;
using NativeTV.TaskVectors.Steering;

namespace NativeTV.TaskVectors.Experiments;

/// <summary>
/// The main job (METHOD.md §1-§6 over tasks x layers) in a run folder: the settings guard, then layer by layer the
/// <see cref="SweepRunner"/> cells (cleaned together), each appended to results.jsonl as it is done (so a killed run resumes where it stopped),
/// then results.csv and the figures. <c>nativetv sweep</c> is this plus a progress bar and the summary table.
/// With a <see cref="SweepShard"/> on the folder it computes only that shard's cells, into the shard's own log;
/// without one it first merges any shard logs, so a finishing run completes a sharded sweep. A finishing folder
/// (<see cref="RunFolder.Finishing"/>) loads no SAE and touches no weights: its context may be opened without them.
/// </summary>
public sealed class Sweep
{
    private readonly PipelineContext _ctx;
    private readonly SweepOptions _o;
    private readonly RunFolder _folder;
    private SweepRunner? _runner;

    public ResultsLog Log { get; }
    /// <summary>What the run folder records and a resume must match: every setting that changes a number.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }
    /// <summary>The cells (of this shard) not in any log yet, layer by layer (a layer's cells are cleaned in one batch), tasks in order within each.</summary>
    public IReadOnlyList<(IclTask Task, int Layer)> Todo { get; }
    /// <summary>Cells done, in every log of the folder.</summary>
    public int Done { get; }

    /// <param name="tasksSource">Where the tasks came from (a path), recorded in the settings.</param>
    /// <param name="restart">Clear the folder's earlier results instead of resuming them.</param>
    /// <param name="repeats">Prompt samples of the whole run (see <see cref="RepeatedSweep"/>): recorded and guarded, as it changes the run's spread and claims.</param>
    public Sweep(PipelineContext ctx, RunFolder folder, SweepOptions o, string tasksSource, bool restart, int repeats = 1)
    {
        _ctx = ctx; _o = o; _folder = folder;
        foreach (int L in o.Layers) ctx.CheckLayer(L, "--layers");
        Settings = new Dictionary<string, string>(SettingsOf(ctx, o, tasksSource)) { ["repeats"] = $"{repeats}" };
        folder.Guard(Settings, restart);
        var tasks = ctx.Tasks.Select(t => t.Name).ToHashSet();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(folder.Log))!);
        Log = new ResultsLog(folder.Log, tasks, o.Layers);
        if (folder.Shard is null) Log.Merge(folder.ShardLogs(), tasks, o.Layers);
        // A shard skips what the folder's other logs hold too: a resubmitted task never redoes another's cells.
        var done = Log.Cells.Select(c => (c.Task, c.Layer)).ToHashSet();
        if (folder.Shard != null)
            foreach (var other in folder.ShardLogs().Append(folder.Results).Where(p => p != folder.Log && File.Exists(p)))
                done.UnionWith(ResultsLog.Read(other).Select(c => (c.Task, c.Layer)));
        Done = done.Count;
        var cells = ctx.Tasks.SelectMany(t => o.Layers.Select(L => (Task: t, Layer: L))).ToList();
        var owner = folder.Shard is { } shard ? SweepShard.Partition(cells.Select(c => SweepCellCost.Of(ctx.SaePattern, ctx.Counts, o, c.Task, c.Layer)).ToList(), shard.Count) : null;
        Todo = cells.Where((c, i) => (owner is null || owner[i] == folder.Shard!.Index) && !done.Contains((c.Task.Name, c.Layer)))
            .OrderBy(c => Array.IndexOf(o.Layers, c.Layer)).ToList();
        if (folder.Finishing) return;
        // Every SAE loaded (and k checked against it) before the first cell, not hours into the run.
        foreach (int L in Todo.Select(c => c.Layer).Distinct())
            if (ctx.SaeOrNull(L) is { } sae && o.PursuitK > sae.Sae.DSae)
                throw new ArgumentException($"--k must be at most the d_sae of {ctx.SaeDir(L)} ({sae.Sae.DSae}), not {o.PursuitK}");
    }

    private static Dictionary<string, string> SettingsOf(PipelineContext ctx, SweepOptions o, string tasksSource)
    {
        var p = ctx.PromptOptions;
        var s = new Dictionary<string, string>
        {
            ["model"] = Path.GetFullPath(ctx.ModelDir), ["tasks"] = tasksSource, ["layers"] = string.Join(",", o.Layers), ["sae"] = ctx.SaePattern ?? "",
            ["shots"] = $"{p.Shots}", ["prefix"] = p.Prefix, ["prompts"] = $"{ctx.Counts.Icl}/{ctx.Counts.Clean}/{ctx.Counts.Eval}", ["n_first"] = $"{p.NFirst}",
            ["last_separator_only"] = $"{o.LastSeparatorOnly}", ["add_zero_shot_mean"] = $"{o.AddZeroShotMean}", ["k"] = $"{o.PursuitK}", ["seed"] = $"{p.Seed}", ["precision"] = ctx.Backend.Precision.Name(),
            ["tasks_sha256"] = TaskFingerprint.Of(ctx.Tasks),
        };
        foreach (var (k, v) in (o.Cleaning ?? new CleaningOptions()).AsSettings()) s[k] = v;
        // Several lambdas: the list is the setting (one keeps the record's value, so earlier runs still resume).
        if (o.Lambdas is { Count: > 1 } ls) s["l1"] = string.Join(",", ls);
        return s;
    }

    /// <summary>Computes one cell and appends it to results.jsonl.</summary>
    public SweepCell Run((IclTask Task, int Layer) cell)
    {
        SweepCell? c = null;
        Run([cell], x => c = x);
        return c!;
    }

    /// <summary>
    /// Computes cells of one layer, cleaning them in one batch, and appends each to results.jsonl as it is finished
    /// (then <paramref name="onCell"/>): a run killed midway keeps the cells finished, and a resume recomputes the rest.
    /// </summary>
    public void Run(IReadOnlyList<(IclTask Task, int Layer)> cells, Action<SweepCell>? onCell = null)
    {
        if (cells.Count == 0) return;
        int layer = cells[0].Layer;
        string names = string.Join(", ", cells.Select(c => c.Task.Name));
        if (_folder.Finishing) throw new InvalidOperationException($"{_folder.Dir}: a finishing sweep computes nothing (cells {names} at layer {layer})");
        if (cells.Any(c => c.Layer != layer)) throw new ArgumentException($"cells computed together must share one layer, not {string.Join(", ", cells.Select(c => $"{c.Task.Name} L{c.Layer}"))}");
        _runner ??= new SweepRunner(_ctx, _o, _folder.Dir, Settings);
        var prompts = cells.Select(cell => _ctx.Prompts.First(p => p.Task.Name == cell.Task.Name)).ToList();
        try { _runner.Run(prompts, layer, c => { Log.Append(c); onCell?.Invoke(c); }); }
        catch (OptimizationDivergedException e) { throw new OptimizationDivergedException($"cleaning {names} at layer {layer}: {e.Message}"); }
    }

    /// <summary>results.csv, the figures and the claims table, from every cell in the log.</summary>
    public void Finish()
    {
        Log.WriteCsv(Path.Combine(_folder.Dir, "results.csv"));
        var p = _ctx.PromptOptions;
        string caption = $"{Path.GetFileName(Path.GetFullPath(_ctx.ModelDir))}, {Settings["tasks"]}, {p.Shots} shots, n_first {p.NFirst}, seed {p.Seed}";
        string figures = Path.Combine(_folder.Dir, "figures");
        SweepFigures.Write(figures, Log.Cells, caption, _ctx.Manifest.MeanExcludes);
        SweepFigures.Specificity(figures, Log.Cells, caption);
        HeldOutFigure.Write(figures, Log.Cells, caption, _ctx.Manifest.MeanExcludes);
        CleanedOrigins.Write(figures, _folder.Cleaned, caption);
        TradeOffFiles.Write(figures, Log.Cells, caption);
        Claims.Write(_folder.Dir, Claims.SweepPart, Claims.Measure(Log.Cells, _ctx.Manifest.MeanExcludes));
    }
}
