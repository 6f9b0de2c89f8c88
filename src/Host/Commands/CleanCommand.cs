using System.CommandLine;
using NativeTV.Sae;
using NativeTV.Host.Cli;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv clean`: one task vector cleaned at one layer (METHOD.md §6), or, with --features, only the
/// weights of a fixed, hand-picked feature set optimised (the interpretability-illusion test).
/// </summary>
public static class CleanCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var tasks = CommonOptions.Tasks();
        var sae = new Option<string?>("--sae") { Description = "SAE folder (default for the organism: MODEL/sae-l{layer})" };
        var task = new Option<string>("--task") { Description = "task name (see `nativetv tasks list`)", Required = true };
        var layer = new Option<int>("--layer") { Description = "resid_pre layer of the SAE and the steering", Required = true };
        var features = new Option<string?>("--features") { Description = "weights-only mode: optimise only these feature ids (comma list, or a features JSON written by clean)" };
        var outDir = new Option<string>("--out") { DefaultValueFactory = _ => "runs/clean" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var clean = new CleaningCli(lambdaList: true);
        var cmd = new Command("clean", "Clean a task vector: optimise its SAE feature weights under an L1 penalty (METHOD.md §6)") { model, device, threads, tasks, sae, task, layer, features, outDir, seed };
        clean.AddTo(cmd);
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            CommonOptions.UseThreads(pr, threads);
            string name = pr.GetValue(task)!;
            int L = pr.GetValue(layer);
            int[]? only = FeatureIds.Parse(pr.GetValue(features));
            var taskList = CommonOptions.LoadTasks(pr, tasks, CommonOptions.ModelDir(pr, model));
            var t = taskList.FirstOrDefault(x => x.Name == name) ?? throw new ArgumentException($"no task '{name}' (tasks: {string.Join(", ", taskList.Select(x => x.Name))})");
            using var folder = RunFolder.Open(pr.GetValue(outDir)!, "--out", "clean");
            using var ctx = PipelineContext.Open(CommonOptions.ModelDir(pr, model), pr.GetValue(device)!, taskList, pr.GetValue(sae), pr.GetValue(seed));
            folder.RecordEnvironment(ctx.Backend);
            ctx.CheckLayer(L, "--layer");
            var (m, ds, builder) = (ctx.Model, ctx.Sae(L), ctx.Builder);
            var prompts = builder.Build(t);
            var tv = TaskVectorExtractor.Mean(m, prompts.Icl, [L], lastOnly: false)[0];
            var o = clean.Options(pr, ctx.Manifest);
            float[] lambdas = clean.LambdaList(pr) ?? [o.L1];
            IReadOnlyList<LambdaRun> runs = null!;
            AnsiConsole.Progress().Start(pc =>
            {
                var bar = pc.AddTask("cleaning", maxValue: o.Steps * lambdas.Length);
                runs = CleaningTradeOff.Run(m, ds, L, prompts, tv, o, lambdas, builder.Options.NFirst, only, (i, s) =>
                {
                    bar.Increment(1);
                    bar.Description = $"cleaning{(lambdas.Length > 1 ? $" at L1 {lambdas[i]}" : "")}: loss {s.Loss:F3}, L0 {s.L0}";
                });
                bar.Value = bar.MaxValue;
            });
            MethodScore Score(float[]? v) => MethodScore.Of(PromptScorer.Score(m, prompts.Eval, v is null ? null : new Steer(L, v), builder.Options.NFirst));
            ScoreSummary Summary(MethodScore s) => new(s.Loss, s.Accuracy, s.PromptLosses!.Length);
            var (zeroShot, tvScore) = (Score(null), Score(tv));
            var spec = TaskSpecificity.Measure(m, ds, L, ctx.SpecificityPrompts);
            string stem = CleanedVectorFiles.Name(name, L);
            foreach (var run in runs)
            {
                // One lambda keeps the plain name; several are told apart by theirs.
                string fileName = stem + (lambdas.Length > 1 ? FormattableString.Invariant($".l1_{run.L1:G6}") : "") + (only != null ? ".fixed" : "");
                var provenance = new Dictionary<string, string>
                {
                    ["model"] = Path.GetFullPath(ctx.ModelDir), ["sae"] = Path.GetFullPath(ctx.SaeDir(L)), ["task"] = name, ["layer"] = $"{L}", ["l1"] = $"{run.L1}", ["lr"] = $"{o.Lr}",
                    ["steps"] = $"{run.Result.Curve.Count}", ["seed"] = $"{pr.GetValue(seed)}", ["mode"] = only != null ? $"weights only: {string.Join(",", only)}" : "full",
                };
                var scores = new Dictionary<string, ScoreSummary> { ["zero_shot"] = Summary(zeroShot), ["tv"] = Summary(tvScore), ["cleaned"] = Summary(run.Eval) };
                CleanedVectorFiles.Write(pr.GetValue(outDir)!, fileName, run.Result, provenance, scores, spec?.Of(name));
                if (lambdas.Length == 1) Print(run.Result, scores, spec?.Of(name));
                Console.WriteLine($"wrote {Path.Combine(pr.GetValue(outDir)!, fileName)}.{{safetensors,json,curve.csv,features.png,features.svg}}");
            }
            if (lambdas.Length > 1)
            {
                var points = runs.Select(r => r.Point).ToList();
                var references = new List<(string, double)> { ("task vector", tvScore.Loss), ("SAE reconstruction", Score(ds.Reconstruct(tv).Recon).Loss) };
                string caption = $"{Path.GetFileName(Path.GetFullPath(ctx.ModelDir))}, sae {Path.GetFileName(Path.GetFullPath(ctx.SaeDir(L)))}, lr {o.Lr}, at most {o.Steps} steps, " +
                    $"{ctx.Counts.Clean} cleaning / {ctx.Counts.Eval} evaluation prompts, {builder.Options.Shots} shots, seed {pr.GetValue(seed)}" + (only != null ? ", weights only" : "");
                TradeOffFiles.Write(pr.GetValue(outDir)!, name, L, points, references, caption);
                PrintTradeOff(points, LambdaChoice.Pick(points), references);
                Console.WriteLine($"wrote {Path.Combine(pr.GetValue(outDir)!, TradeOffFiles.Name(name, L))}.{{csv,png,svg}}");
            }
            return 0;
        }));
        return cmd;
    }

    private static void PrintTradeOff(IReadOnlyList<LambdaPoint> points, int chosen, IReadOnlyList<(string Name, double Loss)> references)
    {
        var t = new Table().AddColumn("L1").AddColumn("L0").AddColumn("cleaning-set loss").AddColumn("evaluation loss [[95% interval]]").AddColumn("");
        foreach (var (p, i) in points.Select((p, i) => (p, i)))
            t.AddRow($"{p.L1:G3}", $"{p.L0}", $"{p.CleanLoss:F3}", Markup.Escape($"{p.EvalLoss:F3} [{p.EvalLossCi95[0]:F3}, {p.EvalLossCi95[1]:F3}]"),
                (i == chosen ? "chosen" : "") + (p.WorseThanStart ? " worse than start" : ""));
        t.Caption(Markup.Escape($"chosen: {LambdaChoice.Rule}; evaluation loss of " + string.Join(", ", references.Select(r => $"{r.Name} {r.Loss:F3}"))));
        AnsiConsole.Write(t);
    }

    private static void Print(CleaningResult r, Dictionary<string, ScoreSummary> scores, double[]? spec)
    {
        var t = new Table().AddColumn("feature").AddColumn("cleaned weight").AddColumn("weight in SAE reconstruction");
        if (spec != null) t.AddColumn("task specificity");
        const int shown = 30;
        foreach (var f in r.Features.Take(shown))
            t.AddRow([$"{f.Id}", $"{f.Weight:F3}", $"{f.ReconstructionWeight:F3}", .. spec != null ? new[] { $"{spec[f.Id]:F2}" } : []]);
        t.Caption($"{r.Features.Count} features kept of {r.ReconstructionL0} in the SAE reconstruction; the best of {r.Curve.Count} steps (step {r.BestStep})" +
            (r.Features.Count > shown ? $"; the top {shown} shown, all in the JSON" : "") +
            (r.WorseThanStart ? "; WORSE than the SAE reconstruction it started from on the cleaning set" : ""));
        AnsiConsole.Write(t);
        var s = new Table().AddColumn("evaluation prompts").AddColumn("loss").AddColumn("first-token accuracy");
        foreach (var (k, v) in scores) s.AddRow(k, $"{v.Nll:F3}", $"{v.Accuracy:F3}");
        AnsiConsole.Write(s);
    }
}
