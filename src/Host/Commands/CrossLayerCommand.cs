using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using NativeTV.TaskVectors.Cleaning;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv cross-layer`: clean task vectors at an early layer, insert them, read the later layer through its SAE (the post's early-layer experiment).</summary>
public static class CrossLayerCommand
{
    public static Command Create()
    {
        var cli = new PipelineCli();
        var from = new Option<int>("--from") { Description = "early layer: the task vector is cleaned and inserted here", Required = true };
        var to = new Option<int>("--to") { Description = "later layer: the residual is read here through its SAE", Required = true };
        var clean = new CleaningCli();
        var cmd = new Command("cross-layer", "Clean task vectors at an early layer and read what they become at a later one (the post's early-layer experiment)") { from, to };
        cli.AddTo(cmd);
        clean.AddTo(cmd);
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            using var folder = cli.OpenRun(pr, "cross-layer");
            using var ctx = cli.Open(pr);
            int a = pr.GetValue(from), b = pr.GetValue(to);
            ctx.CheckLayer(a, "--from");
            ctx.CheckLayer(b, "--to");
            string dir = Path.Combine(pr.GetValue(cli.Run)!, "cross_layer");
            Run(ctx, a, b, clean.Options(pr), dir);
            Console.WriteLine($"wrote {dir}: summary.L{a}-L{b}.csv, features.L{a}-L{b}.csv and figures");
            return 0;
        }));
        return cmd;
    }

    public static IReadOnlyList<CrossLayerResult> Run(PipelineContext ctx, int from, int to, CleaningOptions o, string dir)
    {
        var rs = ConsoleProgress.Run("cross-layer", ctx.Prompts.Count * o.Steps, bar =>
            CrossLayerReading.Run(ctx, from, to, o, dir, ConsoleProgress.PerTask(bar, o.Steps, "cross-layer")));
        var t = TextTable.Create("task", $"TV at {from}", $"cleaned at {from} (L0)", $"TV at {to}", "overlap: induced / zero-shot", "specificity: TV / induced");
        foreach (var r in rs)
            t.AddText(r.Task, $"{r.EarlyTv.Nll:F2}", $"{r.Cleaned.Nll:F2} ({r.CleanedL0})", $"{r.LateTv.Nll:F2}", $"{r.Overlap:F2} / {r.OverlapZeroShot:F2}", $"{r.SpecificityTv:F2} / {r.SpecificityInduced:F2}");
        t.Caption($"zero-shot evaluation loss; layer-{to} SAE features of the residual the cleaned layer-{from} vector induces, against the plain layer-{to} task vector");
        AnsiConsole.Write(t);
        return rs;
    }
}
