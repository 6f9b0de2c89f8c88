using System.CommandLine;
using System.Text.Json;
using NativeTV.Host.Cli;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using NativeTV.Sae;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.Sae.Formats;
using NativeTV.Transformer.Model;
using NativeTV.Organism;
using NativeTV.TaskVectors.Steering;
using NativeTV.TaskVectors;
using NativeTV.Transformer.Tokenization;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv sweep`: the task-vector pipeline over tasks x layers (METHOD.md §1-§6), resumable cell by cell,
/// with results.jsonl, results.csv and the loss-by-layer figures. With no arguments: the organism, its 12
/// tasks, every layer and its layer-2 SAE.
/// </summary>
public static class SweepCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var tasks = CommonOptions.Tasks();
        var layers = new Option<string?>("--layers") { Description = "layers of resid_pre to sweep, e.g. 0-17 or 6,12 (default: all, 0..n_layers)" };
        var sae = new Option<string?>("--sae") { Description = "SAE folder pattern with {layer}, e.g. saes/layer_{layer}; layers without one skip the SAE methods (default for the organism: MODEL/sae-l{layer})" };
        var outDir = new Option<string>("--out") { Description = "run folder (a rerun resumes it)", DefaultValueFactory = _ => "runs/sweep" };
        var shots = new Option<int?>("--shots") { Description = "demonstrations per ICL prompt (default 19; the organism, trained on 10-pair sequences: 8)" }.AtLeast(0);
        var prefix = new Option<string?>("--prefix") { Description = "prompt prefix (default \"Follow the pattern:\\n\"; the organism: none)" };
        var iclPrompts = new Option<int>("--prompts") { Description = "ICL prompts per task vector", DefaultValueFactory = _ => 16 }.AtLeast(1);
        var cleanPrompts = new Option<int>("--clean-prompts") { DefaultValueFactory = _ => 24 }.AtLeast(1);
        var evalPrompts = new Option<int>("--eval-prompts") { DefaultValueFactory = _ => 32 }.AtLeast(1);
        var nFirst = new Option<int>("--n-first") { Description = "answer tokens in the loss", DefaultValueFactory = _ => 2 }.AtLeast(1);
        var lastOnly = new Option<bool>("--last-separator-only") { Description = "task vector from the last separator of each prompt only (Hendel et al.)" };
        var addZs = new Option<bool>("--add-zero-shot-mean") { Description = "corrupted baseline: TV - corrupted mean + zero-shot mean" };
        var k = new Option<int>("--k") { Description = "gradient pursuit iterations", DefaultValueFactory = _ => 20 }.AtLeast(1);
        var clean = new CleaningCli();
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var restart = new Option<bool>("--restart") { Description = "discard the run folder's results" };
        var cmd = new Command("sweep", "Task vectors, corrupted baseline, SAE reconstruction, gradient pursuit and cleaning for every task x layer")
        { model, device, threads, tasks, layers, sae, outDir, shots, prefix, iclPrompts, cleanPrompts, evalPrompts, nFirst, lastOnly, addZs, k, seed, restart };
        clean.AddTo(cmd);
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            CommonOptions.UseThreads(pr, threads);
            string dir = CommonOptions.ModelDir(pr, model), run = pr.GetValue(outDir)!;
            var taskList = CommonOptions.LoadTasks(pr, tasks, dir);
            using var folder = RunFolder.Open(run, "--out", "sweep");
            using var ctx = PipelineContext.Open(dir, pr.GetValue(device)!, taskList, pr.GetValue(sae), pr.GetValue(seed), po => po with
            {
                NFirst = pr.GetValue(nFirst), Shots = pr.GetValue(shots) ?? po.Shots, Prefix = pr.GetValue(prefix) ?? po.Prefix,
            }, new PromptCounts(pr.GetValue(iclPrompts), pr.GetValue(cleanPrompts), pr.GetValue(evalPrompts)));
            folder.RecordEnvironment(ctx.Backend);
            int[] layerList = pr.GetValue(layers) is { } ls ? Parse.IntList(ls, "--layers").Distinct().Order().ToArray() : Enumerable.Range(0, ctx.Model.Config.Layers + 1).ToArray();
            var sweep = new Sweep(ctx, folder, new SweepOptions(layerList, pr.GetValue(lastOnly), pr.GetValue(addZs), pr.GetValue(k), clean.Options(pr)),
                pr.GetValue(tasks) ?? ctx.Manifest.TasksPath ?? "", pr.GetValue(restart));
            if (sweep.Log.Cells.Count > 0) Console.WriteLine($"resuming {run}: {sweep.Log.Cells.Count} cells done, {sweep.Todo.Count} to go");
            ConsoleProgress.Run("sweep", sweep.Todo.Count, bar =>
            {
                foreach (var cell in sweep.Todo)
                {
                    bar.Description = Markup.Escape($"{cell.Task.Task.Name}, layer {cell.Layer}");
                    sweep.Run(cell);
                    bar.Increment(1);
                }
                return 0;
            });
            sweep.Finish();
            var table = TextTable.Create(SweepSummary.Header);
            foreach (var row in SweepSummary.Rows(sweep.Log.Cells)) table.AddText(row);
            AnsiConsole.Write(table.Caption(SweepSummary.Caption));
            Console.WriteLine($"wrote {run}: results.jsonl, results.csv, figures/, cleaned/");
            return 0;
        }));
        return cmd;
    }
}

/// <summary>The cleaning options shared by `sweep`, `clean` and `detectors` (METHOD.md §6 defaults; detectors use L1 5e-4).</summary>
public sealed class CleaningCli(float l1 = 0.05f)
{
    public Option<float> L1 { get; } = new Option<float>("--l1") { Description = "L1 penalty on the feature activations", DefaultValueFactory = _ => l1 }.AtLeast(0f);
    public Option<float> Lr { get; } = new Option<float>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 1e-2f }.Above(0f);
    public Option<int> Steps { get; } = new Option<int>("--steps") { DefaultValueFactory = _ => 1000 }.AtLeast(1);
    public Option<int> Patience { get; } = new Option<int>("--patience") { Description = "stop when L0 has not reached a new minimum for this many steps", DefaultValueFactory = _ => 200 }.AtLeast(1);
    public Option<bool> LossPatience { get; } = new("--loss-patience") { Description = "watch the loss instead of L0 for early stopping" };

    public void AddTo(Command c) { c.Options.Add(L1); c.Options.Add(Lr); c.Options.Add(Steps); c.Options.Add(Patience); c.Options.Add(LossPatience); }

    public CleaningOptions Options(ParseResult pr) => new(pr.GetValue(L1), pr.GetValue(Lr), pr.GetValue(Steps), pr.GetValue(Patience), pr.GetValue(LossPatience));
}
