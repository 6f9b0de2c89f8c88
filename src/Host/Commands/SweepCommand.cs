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
        { model, device, tasks, layers, sae, outDir, shots, prefix, iclPrompts, cleanPrompts, evalPrompts, nFirst, lastOnly, addZs, k, seed, restart };
        clean.AddTo(cmd);
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            string dir = CommonOptions.ModelDir(pr, model), run = pr.GetValue(outDir)!;
            var taskList = CommonOptions.LoadTasks(pr, tasks, dir);
            using var folder = RunFolder.Open(run, "--out", "sweep");
            using var be = CommonOptions.CreateBackend(pr.GetValue(device)!);
            using var m = TransformerModel.Load(dir, be);
            var tokenizer = TokenizerLoader.Load(dir);
            var manifest = ModelManifest.Read(dir);
            var po = manifest.Prompts() with { NFirst = pr.GetValue(nFirst), Seed = pr.GetValue(seed) };
            if (pr.GetValue(shots) is { } s) po = po with { Shots = s };
            if (pr.GetValue(prefix) is { } p) po = po with { Prefix = p };
            int[] layerList = pr.GetValue(layers) is { } ls ? Parse.IntList(ls, "--layers").Distinct().Order().ToArray() : Enumerable.Range(0, m.Config.Layers + 1).ToArray();
            if (layerList.Any(L => L < 0 || L > m.Config.Layers)) throw new ArgumentException($"--layers must be within 0..{m.Config.Layers}");
            string? saePattern = pr.GetValue(sae) ?? manifest.SaePattern;
            var cleaning = clean.Options(pr);
            var settings = new Dictionary<string, string>
            {
                ["model"] = Path.GetFullPath(dir), ["tasks"] = pr.GetValue(tasks) ?? manifest.TasksPath ?? "", ["layers"] = string.Join(",", layerList),
                ["sae"] = saePattern ?? "", ["shots"] = $"{po.Shots}", ["prefix"] = po.Prefix, ["prompts"] = $"{pr.GetValue(iclPrompts)}/{pr.GetValue(cleanPrompts)}/{pr.GetValue(evalPrompts)}",
                ["n_first"] = $"{po.NFirst}", ["last_separator_only"] = $"{pr.GetValue(lastOnly)}", ["add_zero_shot_mean"] = $"{pr.GetValue(addZs)}",
                ["k"] = $"{pr.GetValue(k)}", ["seed"] = $"{po.Seed}", ["tasks_sha256"] = TaskFingerprint.Of(taskList),
            };
            foreach (var (key, value) in CleaningCli.Settings(cleaning)) settings[key] = value;
            folder.Guard(settings, pr.GetValue(restart));

            var builder = new PromptBuilder(tokenizer, po);
            var prompts = taskList.Select(t => builder.Build(t, pr.GetValue(iclPrompts), pr.GetValue(cleanPrompts), pr.GetValue(evalPrompts))).ToList();
            var saes = new Dictionary<int, (DeviceSae, TaskSpecificity)?>();
            (DeviceSae, TaskSpecificity)? SaeAt(int L)
            {
                if (saes.TryGetValue(L, out var d)) return d;
                string? path = saePattern?.Replace("{layer}", L.ToString());
                if (path == null || !Directory.Exists(path)) return saes[L] = null;
                var ds = new DeviceSae(SaeLoader.Load(path, m.Config.HiddenSize, L), be);
                OptionRules.AtMost("--k", pr.GetValue(k), ds.Sae.DSae, $"the d_sae of {path}");
                return saes[L] = (ds, TaskSpecificity.Measure(m, ds, L, prompts.Select(p => (p.Task.Name, p.Icl)).ToList()));
            }
            var log = new ResultsLog(Path.Combine(run, "results.jsonl"), taskList.Select(t => t.Name).ToHashSet(), layerList);
            var runner = new SweepRunner(m, new SweepOptions(layerList, po.NFirst, pr.GetValue(lastOnly), pr.GetValue(addZs), pr.GetValue(k), cleaning), SaeAt, run, settings);
            var todo = taskList.SelectMany(t => layerList.Select(L => (t, L))).Where(c => !log.Has(c.t.Name, c.L)).ToList();
            foreach (int L in todo.Select(c => c.L).Distinct()) SaeAt(L); // every SAE loaded (and --k checked) before any cell runs
            if (log.Cells.Count > 0) Console.WriteLine($"resuming {run}: {log.Cells.Count} cells done, {todo.Count} to go");
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).Start(ctx =>
            {
                var bar = ctx.AddTask("sweep", maxValue: Math.Max(1, todo.Count));
                foreach (var (t, L) in todo)
                {
                    bar.Description = Markup.Escape($"{t.Name}, layer {L}");
                    try { log.Append(runner.Run(prompts[taskList.ToList().IndexOf(t)], L)); }
                    catch (OptimizationDivergedException e) { throw new OptimizationDivergedException($"cleaning {t.Name} at layer {L}: {e.Message}"); }
                    bar.Increment(1);
                }
            });
            foreach (var d in saes.Values) d?.Item1.Dispose();
            log.WriteCsv(Path.Combine(run, "results.csv"));
            string caption = $"{Path.GetFileName(Path.GetFullPath(dir))}, {settings["tasks"]}, {po.Shots} shots, n_first {po.NFirst}, seed {po.Seed}";
            SweepFigures.Write(Path.Combine(run, "figures"), log.Cells, caption);
            SweepFigures.Specificity(Path.Combine(run, "figures"), log.Cells, caption);
            SweepSummary.Print(log.Cells);
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

    /// <summary>Every cleaning option as a run setting (snake_case name, value), read off the record so a new option cannot be left out of the guard.</summary>
    public static IEnumerable<(string, string)> Settings(CleaningOptions o) =>
        typeof(CleaningOptions).GetProperties().Select(p => (System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name), $"{p.GetValue(o)}"));
}
