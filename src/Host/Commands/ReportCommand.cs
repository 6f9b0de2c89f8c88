using System.CommandLine;
using NativeTV.Host.Cli;
using NativeTV.Host.Reports;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv report [RUN_DIR]`: every result of a run folder in one self-contained page, RUN_DIR/report.html.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("RUN_DIR") { Description = "run folder written by sweep (and feature-steer, maxact, ...)", DefaultValueFactory = _ => "runs/sweep" };
        var cmd = new Command("report", "One self-contained HTML page with every result of a run folder: RUN_DIR/report.html") { run };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            string path = HtmlReport.Write(pr.GetValue(run)!);
            Console.WriteLine($"wrote {path} ({new FileInfo(path).Length / 1024} KiB)");
            return 0;
        }));
        return cmd;
    }
}
