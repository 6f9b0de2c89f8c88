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
            folder.RecordEnvironment(ctx.Backend);
            int a = pr.GetValue(from), b = pr.GetValue(to);
            ctx.CheckLayer(a, "--from");
            ctx.CheckLayer(b, "--to");
            ExperimentSteps.CrossLayer(ctx, folder, a, b, clean.Options(pr, ctx.Manifest));
            Console.WriteLine($"wrote {folder.CrossLayer}: summary.L{a}-L{b}.csv, features.L{a}-L{b}.csv and figures");
            return 0;
        }));
        return cmd;
    }
}
