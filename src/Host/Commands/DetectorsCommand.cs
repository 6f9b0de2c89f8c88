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
        var clean = new CleaningCli(detectors: true);
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
            folder.RecordEnvironment(ctx.Backend);
            int L = pr.GetValue(layer);
            ctx.CheckLayer(L, "--layer");
            ExperimentSteps.Detectors(ctx, folder, L, clean.Options(pr, ctx.Manifest), pr.GetValue(scale));
            Console.WriteLine($"wrote {folder.Detectors}: summary.L{L}.csv, loss.L{L}.png, cleaned/, relative_change.L{L} and normalised_decrease.L{L} (CSV, PNG, SVG)");
            return 0;
        }));
        return cmd;
    }
}
