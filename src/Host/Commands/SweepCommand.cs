using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv sweep`: the task-vector pipeline over tasks x layers (METHOD.md §1-§6), resumable cell by cell,
/// with results.jsonl, results.csv and the loss-by-layer figures (the library's <see cref="Sweep"/>). With no
/// arguments: the organism with its manifest's defaults. `--shard I/N` computes one shard, `--finish` merges them.
/// </summary>
public static class SweepCommand
{
    public static Command Create()
    {
        var o = new SweepCli();
        var shard = new Option<string?>("--shard") { Description = "I/N: compute only shard I of N of the cells (a Slurm array task; see `slurm sweep`), into RUN/shards/" };
        var finish = new Option<bool>("--finish") { Description = "after the shards: merge their results and write results.csv and the figures, computing nothing (an error lists missing cells)" };
        var cmd = new Command("sweep", "Task vectors, corrupted baseline, SAE reconstruction, gradient pursuit and cleaning for every task x layer") { shard, finish };
        o.AddTo(cmd);
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            string run = pr.GetValue(o.Out)!;
            var part = pr.GetValue(shard) is { } sh ? SweepShard.Parse(sh, "--shard") : null;
            if (part != null && pr.GetValue(finish)) throw new ArgumentException("--finish merges the shards: give it without --shard");
            var taskList = o.LoadTasks(pr);
            using var folder = RunFolder.Open(run, "--out", part is null ? "sweep" : $"sweep --shard {part.Index}/{part.Count}", part, finishing: pr.GetValue(finish));
            // Finishing computes nothing: the model's config and manifest suffice, not its weights, tokenizer or SAEs.
            using var ctx = o.Open(pr, taskList, weights: !pr.GetValue(finish));
            using var sweep = o.Sweep(pr, ctx, folder);
            // One record per run folder; shards writing it at once would lose entries, and the finishing run records its own.
            if (part is null) foreach (var s in sweep.Seeds) s.Folder.RecordEnvironment(ctx.Backend);
            string Seed(SeedRun s) => sweep.Seeds.Count > 1 ? $"seed {s.Seed}: " : "";
            if (pr.GetValue(finish) && sweep.Todo.Count > 0)
                throw new InvalidOperationException($"{run}: {sweep.Todo.Count} cells are missing ({string.Join(", ", sweep.Todo.Take(5).Select(c => $"{Seed(c.Run)}{c.Cell.Task.Name} L{c.Cell.Layer}"))}" +
                    $"{(sweep.Todo.Count > 5 ? ", ..." : "")}): run their shards again, or `sweep` without --finish to compute them here");
            string over = sweep.Seeds.Count > 1 ? $" over {sweep.Seeds.Count} prompt seeds" : "";
            if (sweep.Done > 0) Console.WriteLine($"resuming {run}: {sweep.Done} cells done, {sweep.Todo.Count} to go{over}{(part is null ? "" : $" in shard {part.Index}/{part.Count}")}");
            ConsoleProgress.Run("sweep", sweep.Todo.Count, bar =>
            {
                // A layer's cells at once: their cleaning in one batch, then each cell finished and counted.
                foreach (var layer in sweep.Todo.GroupBy(c => (c.Run, c.Cell.Layer)))
                {
                    var (seed, L) = layer.Key;
                    bar.Description = Markup.Escape($"{Seed(seed)}layer {L}, {layer.Count()} tasks");
                    seed.Sweep.Run(layer.Select(c => c.Cell).ToList(), _ => bar.Increment(1));
                }
                return 0;
            });
            if (ctx.Backend is ProfilingBackend prof) ProfileTable.Write(prof, 1, $"every op of the {sweep.Todo.Count} cells run");
            if (part != null)
            {
                Console.WriteLine($"wrote {folder.Log}: shard {part.Index}/{part.Count} is done; `sweep --finish` with the same options merges the shards");
                return 0;
            }
            sweep.Finish();
            SummaryTable.Write(sweep.Main.Log.Cells);
            ClaimsTable.Write(run, Claims.SweepPart);
            if (sweep.Seeds.Count > 1) RepeatsTable.Write(sweep.Seeds.Select(s => new SeedCells(s.Seed, s.Sweep.Log.Cells)).ToList(), ctx.Manifest.MeanExcludes, Claims.Read(run) ?? []);
            Console.WriteLine($"wrote {run}: results.jsonl, results.csv, figures/, cleaned/{(sweep.Seeds.Count > 1 ? $", {Repeats.FileName} and {Repeats.Folder}/seed-*/ (one run folder per other seed)" : "")}");
            return 0;
        }));
        return cmd;
    }
}

/// <summary>The options of a sweep, read the same by `sweep` and `slurm sweep` (which passes them on to each array task).</summary>
public sealed class SweepCli
{
    public Option<string> Model { get; } = CommonOptions.Model();
    public Option<string> Device { get; } = CommonOptions.Device();
    public Option<int?> Threads { get; } = CommonOptions.Threads();
    public Option<string?> Tasks { get; } = CommonOptions.Tasks();
    public Option<string?> Layers { get; } = new("--layers") { Description = "layers of resid_pre to sweep, e.g. 0-17 or 6,12 (default: all, 0..n_layers)" };
    public Option<string?> Sae { get; } = new("--sae") { Description = "SAE folder pattern with {layer}, e.g. saes/layer_{layer}; layers without one skip the SAE methods (default: the model's nativetv.json)" };
    public Option<string> Out { get; } = new("--out") { Description = "run folder (a rerun resumes it)", DefaultValueFactory = _ => "runs/sweep" };
    public Option<int?> Shots { get; } = new Option<int?>("--shots") { Description = "demonstrations per ICL prompt (default 19, or the model's nativetv.json: the organism 8)" }.AtLeast(0);
    public Option<string?> Prefix { get; } = new("--prefix") { Description = "prompt prefix (default \"Follow the pattern:\\n\", or the model's nativetv.json: the organism none)" };
    public Option<int> IclPrompts { get; } = new Option<int>("--prompts") { Description = "ICL prompts per task vector", DefaultValueFactory = _ => 16 }.AtLeast(1);
    public Option<int> CleanPrompts { get; } = new Option<int>("--clean-prompts") { DefaultValueFactory = _ => 24 }.AtLeast(1);
    public Option<int> EvalPrompts { get; } = new Option<int>("--eval-prompts") { DefaultValueFactory = _ => 32 }.AtLeast(1);
    public Option<int> NFirst { get; } = new Option<int>("--n-first") { Description = "answer tokens in the loss", DefaultValueFactory = _ => 2 }.AtLeast(1);
    public Option<bool> LastOnly { get; } = new("--last-separator-only") { Description = "task vector from the last separator of each prompt only (Hendel et al.)" };
    public Option<bool> AddZeroShotMean { get; } = new("--add-zero-shot-mean") { Description = "corrupted baseline: TV - corrupted mean + zero-shot mean" };
    public Option<int> K { get; } = new Option<int>("--k") { Description = "gradient pursuit iterations", DefaultValueFactory = _ => 20 }.AtLeast(1);
    public Option<int> Seed { get; } = new("--seed") { DefaultValueFactory = _ => 0 };
    public Option<int> Repeats { get; } = new Option<int>("--repeats")
    {
        Description = "prompt samples (seeds seed..seed+N-1): the others in RUN/repeats/seed-S, their spread in RUN/repeats.csv", DefaultValueFactory = _ => 1,
    }.AtLeast(1);
    public Option<bool> Restart { get; } = new("--restart") { Description = "discard the run folder's results" };
    public Option<bool> Profile { get; } = CommonOptions.Profile();
    public Option<float?> PassMemory { get; } = new Option<float?>("--pass-memory")
    {
        Description = "GiB of activations one cleaning pass of a layer's tasks x lambdas may hold (default: a quarter of the GPU's memory on cuda, 2 on cpu); changes no result",
    }.Above(0f);
    public CleaningCli Cleaning { get; } = new(lambdaList: true);

    public void AddTo(Command c)
    {
        foreach (var opt in new Option[] { Model, Device, Threads, Tasks, Layers, Sae, Out, Shots, Prefix, IclPrompts, CleanPrompts, EvalPrompts, NFirst, LastOnly, AddZeroShotMean, K, Seed, Repeats, Restart, Profile, PassMemory })
            c.Options.Add(opt);
        Cleaning.AddTo(c);
    }

    public IReadOnlyList<TaskVectors.IclTask> LoadTasks(ParseResult pr) => CommonOptions.LoadTasks(pr, Tasks, CommonOptions.ModelDir(pr, Model));

    /// <param name="weights">False for `--finish`: the model's config and manifest only (<see cref="PipelineContext.Open"/>).</param>
    public PipelineContext Open(ParseResult pr, IReadOnlyList<TaskVectors.IclTask> tasks, bool weights = true)
    {
        CommonOptions.UseThreads(pr, Threads);
        return PipelineContext.Open(CommonOptions.ModelDir(pr, Model), pr.GetValue(Device)!, tasks, pr.GetValue(Sae), pr.GetValue(Seed), po => po with
        {
            NFirst = pr.GetValue(NFirst), Shots = pr.GetValue(Shots) ?? po.Shots, Prefix = pr.GetValue(Prefix) ?? po.Prefix,
        }, new PromptCounts(pr.GetValue(IclPrompts), pr.GetValue(CleanPrompts), pr.GetValue(EvalPrompts)), pr.GetValue(Profile), weights);
    }

    public RepeatedSweep Sweep(ParseResult pr, PipelineContext ctx, RunFolder folder)
    {
        int[] layers = pr.GetValue(Layers) is { } ls ? Parse.IntList(ls, "--layers").Distinct().Order().ToArray() : Enumerable.Range(0, ctx.Config.Layers + 1).ToArray();
        var o = new SweepOptions(layers, pr.GetValue(LastOnly), pr.GetValue(AddZeroShotMean), pr.GetValue(K), Cleaning.Options(pr, ctx.Manifest), Cleaning.LambdaList(pr),
            pr.GetValue(PassMemory) is { } gib ? (long)Math.Clamp(gib * (double)(1L << 30), 1, long.MaxValue / 2) : null);
        return new RepeatedSweep(ctx, folder, o, pr.GetValue(Tasks) ?? ctx.Manifest.TasksPath ?? "", pr.GetValue(Restart), pr.GetValue(Repeats));
    }
}

/// <summary>
/// The cleaning options shared by `sweep`, `clean`, `cross-layer` and `detectors`: each unset value comes from the
/// recipe, the model's (its nativetv.json, else METHOD.md's) or with `--recipe authors` METHOD.md's; detectors
/// have recipes of their own (METHOD.md §7: L1 5e-4, lr 0.01; the manifest's detector_cleaning). With
/// <paramref name="lambdaList"/> (`sweep`, `clean`), --l1 takes a comma list to clean at each.
/// </summary>
public sealed class CleaningCli
{
    private readonly bool _detectors;
    private readonly bool _lambdaList;

    /// <param name="detectors">Detector cleaning (`detectors`): its recipes, not the task vectors'.</param>
    public CleaningCli(bool detectors = false, bool lambdaList = false)
    {
        _detectors = detectors; _lambdaList = lambdaList;
        Recipe = new Option<string>("--recipe")
        {
            Description = detectors
                ? "model (the model's nativetv.json detector_cleaning recipe, else METHOD.md's) or authors (METHOD.md §7: L1 5e-4, lr 0.01, 1000 steps)"
                : "model (the model's nativetv.json cleaning recipe, else METHOD.md's) or authors (METHOD.md: L1 0.05, lr 0.01, 1000 steps)",
            DefaultValueFactory = _ => "model",
        }.AcceptOnlyFromAmong("model", "authors");
        L1 = new Option<string?>("--l1") { Description = lambdaList
            ? "L1 penalty on the feature activations, or a comma list to clean at each (the loss-L0 trade-off) (default: the recipe's)"
            : "L1 penalty on the feature activations (default: the recipe's)" };
        // Checked while parsing, so a bad value stops the command before any work.
        L1.Validators.Add(r =>
        {
            if (r.Tokens.Count == 0) return;
            try { if (Lambdas(r.Tokens[^1].Value).Length > 1 && !_lambdaList) r.AddError("--l1 takes one value here, not a list"); }
            catch (ArgumentException e) { r.AddError(e.Message); }
        });
    }

    public Option<string?> L1 { get; }
    public Option<float?> Lr { get; } = new Option<float?>("--lr") { Description = "Adam learning rate (default: the recipe's)" }.Above(0f);
    public Option<int?> Steps { get; } = new Option<int?>("--steps") { Description = "at most this many steps (default: the recipe's)" }.AtLeast(1);
    public Option<int?> Patience { get; } = new Option<int?>("--patience") { Description = "stop when neither L0 nor the objective has reached a new minimum for this many steps (default: the recipe's)" }.AtLeast(1);
    public Option<bool> LossPatience { get; } = new("--loss-patience") { Description = "watch only the objective (loss + penalty) for early stopping" };
    public Option<bool> AllowWorse { get; } = new("--allow-worse") { Description = "keep the step of lowest objective even where its cleaning-set loss is above the start's (by default only steps no worse than the SAE reconstruction are kept; a worse one is flagged)" };
    public Option<string> Recipe { get; }

    public void AddTo(Command c)
    {
        foreach (var o in new Option[] { L1, Lr, Steps, Patience, LossPatience, AllowWorse, Recipe }) c.Options.Add(o);
    }

    /// <summary>The settings, L1 the first (with a list, see <see cref="LambdaList"/>).</summary>
    public CleaningOptions Options(ParseResult pr, TaskVectors.ModelManifest manifest)
    {
        bool authors = pr.GetValue(Recipe) == "authors";
        var r = _detectors ? (authors ? CleaningRecipes.Detectors : CleaningRecipes.DetectorsOf(manifest)) : authors ? CleaningRecipes.Authors : CleaningRecipes.Of(manifest);
        return new(LambdaList(pr)?[0] ?? r.L1, pr.GetValue(Lr) ?? r.Lr, pr.GetValue(Steps) ?? r.Steps, pr.GetValue(Patience) ?? r.Patience, pr.GetValue(LossPatience) || r.LossPatience, pr.GetValue(AllowWorse));
    }

    /// <summary>Every --l1 value in the order given, or null when it was not given (the recipe's alone).</summary>
    public float[]? LambdaList(ParseResult pr) => pr.GetValue(L1) is { } s ? Lambdas(s) : null;

    private static float[] Lambdas(string s) => Parse.FloatList(s, "--l1", 0f).Distinct().ToArray();
}
