using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using NativeTV.TaskVectors.Cleaning;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv detectors`: every task's detector vector, raw and cleaned, on one-shot prompts, then the task x
/// detector-feature steering matrix (METHOD.md §7), into RUN/detectors/.
/// </summary>
public static class DetectorsCommand
{
    public static Command Create()
    {
        var cli = new PipelineCli();
        var layer = new Option<int>("--layer") { Description = "resid_pre layer the detectors are read, steered and cleaned at", Required = true };
        var scale = new Option<float>("--scale") { Description = "steering scale of the detector matrix", DefaultValueFactory = _ => 25f }.Finite();
        var exampleIn = new Option<string?>("--example-input") { Description = "input of the one-shot prompts' generic example (default \"X\"; the organism: \",\")" };
        var exampleOut = new Option<string?>("--example-output") { Description = "its output (default \"Y\"; the organism: \",\")" };
        var clean = new CleaningCli(l1: 5e-4f);
        var cmd = new Command("detectors", "Task detector features: detector vectors read at the outputs, cleaned on one-shot prompts, and their steering matrix (METHOD.md §7)")
        { layer, scale, exampleIn, exampleOut };
        cli.AddTo(cmd);
        clean.AddTo(cmd);
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            using var folder = cli.OpenRun(pr, "detectors");
            using var ctx = cli.Open(pr, o => o with
            {
                DetectorExample = (pr.GetValue(exampleIn) ?? o.DetectorExample.Input, pr.GetValue(exampleOut) ?? o.DetectorExample.Output),
            });
            int L = pr.GetValue(layer);
            ctx.CheckLayer(L, "--layer");
            string dir = Path.Combine(pr.GetValue(cli.Run)!, "detectors");
            Run(ctx, L, clean.Options(pr), pr.GetValue(scale), dir);
            Console.WriteLine($"wrote {dir}: summary.L{L}.csv, loss.L{L}.png, cleaned/, relative_change.L{L} and normalised_decrease.L{L} (CSV, PNG, SVG)");
            return 0;
        }));
        return cmd;
    }

    public static (IReadOnlyList<DetectorResult> Detectors, FeatureSteeringMatrix Matrix) Run(PipelineContext ctx, int layer, CleaningOptions o, float scale, string dir)
    {
        var results = ConsoleProgress.Run("detectors", ctx.Prompts.Count * o.Steps, bar =>
            TaskDetectors.Run(ctx, layer, o, dir, ConsoleProgress.PerTask(bar, o.Steps, "detectors")));
        Print(results);
        var ids = results.SelectMany(r => r.Cleaning.Features.Select(f => f.Id)).Distinct().Order().ToArray();
        if (ids.Length == 0) throw new InvalidOperationException("cleaning kept no detector feature for any task: lower --l1");
        var mat = ConsoleProgress.Run("detector matrix", ctx.Prompts.Count * ids.Length, bar =>
            FeatureSteeringMatrix.Measure(ctx.Model, ctx.Sae(layer).Sae, layer, ctx.Prompts.Select(p => (p.Task.Name, p.EvalOneShot)).ToList(), ids, scale, ctx.NFirst, () => bar.Increment(1)));
        mat.Write(dir, $"L{layer}", "detector-feature steering at \" Y\"", ctx.Caption(layer, $", scale {scale}"));
        return (results, mat);
    }

    private static void Print(IReadOnlyList<DetectorResult> rs)
    {
        var t = new Table().AddColumn("task").AddColumn("no steering").AddColumn("detector vector").AddColumn("cleaned (L0)");
        bool spec = rs.Any(r => !double.IsNaN(r.Specificity));
        if (spec) t.AddColumn("specificity");
        foreach (var r in rs)
            t.AddText([r.Task, $"{r.None.Nll:F2}", $"{r.Raw.Nll:F2}", $"{r.Cleaned.Nll:F2} ({r.Cleaning.Features.Count})", .. spec ? new[] { $"{r.Specificity:F2}" } : []]);
        t.Caption("one-shot evaluation loss; specificity: weighted by the cleaned weights, chance = 1 / tasks");
        AnsiConsole.Write(t);
    }
}
