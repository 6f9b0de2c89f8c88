using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using NativeTV.Host.Cli;
using NativeTV.Transformer.Files;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv slurm sweep [sweep options] --array N ...`: a sweep as a Slurm job array. Writes RUN/slurm/sweep.sbatch
/// (task I runs this same nativetv with the sweep's options and `--shard I/N`) and RUN/slurm/finish.sbatch (after the
/// array: `sweep --finish` merges the shards and writes results and figures, then `report`); `--submit` submits both,
/// the second dependent on the first, and prints their job ids.
/// </summary>
public static class SlurmCommand
{
    public static Command Create()
    {
        var o = new SweepCli();
        var array = new Option<int>("--array") { Description = "array tasks (shards of the sweep)", Required = true }.AtLeast(1);
        var partition = new Option<string?>("--partition") { Description = "Slurm partition (default: the cluster's)" };
        var time = new Option<string?>("--time") { Description = "time limit per array task, HH:MM:SS" };
        var cpus = new Option<int?>("--cpus-per-task") { Description = "CPUs per array task (BLAS threads)" }.AtLeast(1);
        var gpus = new Option<int?>("--gpus-per-task") { Description = "GPUs per array task (--gres=gpu:G; the task runs on --device cuda, the GPU Slurm gives it)" }.AtLeast(1);
        var submit = new Option<bool>("--submit") { Description = "submit both scripts with sbatch and print the job ids" };
        string[] own = ["--array", "--partition", "--time", "--cpus-per-task", "--gpus-per-task", "--submit"];
        var sweep = new Command("sweep", "Write (and with --submit, submit) a sweep as a Slurm job array plus a finishing job") { array, partition, time, cpus, gpus, submit };
        o.AddTo(sweep);
        sweep.SetAction(pr => CliErrors.Run(() =>
        {
            if (pr.GetValue(o.Restart)) throw new ArgumentException("--restart: clear the run folder with `nativetv sweep --restart ...` first; array tasks only resume");
            string run = Path.GetFullPath(pr.GetValue(o.Out)!), dir = Path.Combine(run, "slurm");
            OutputPath.CheckFolder(dir, "--out");
            var args = SweepArgs(pr, own, run).ToList();
            var jobs = new SlurmScripts(pr.GetValue(array), pr.GetValue(partition), pr.GetValue(time), pr.GetValue(cpus), pr.GetValue(gpus), run, args);
            string sweepPath = Path.Combine(dir, "sweep.sbatch"), finishPath = Path.Combine(dir, "finish.sbatch");
            AtomicFile.WriteAllText(sweepPath, jobs.ArrayScript());
            AtomicFile.WriteAllText(finishPath, jobs.FinishScript());
            Console.WriteLine($"wrote {sweepPath} ({jobs.Tasks} array tasks) and {finishPath}");
            if (!pr.GetValue(submit))
            {
                Console.WriteLine($"submit with: jid=$(sbatch --parsable {sweepPath}) && sbatch --dependency=afterany:$jid {finishPath}");
                Console.WriteLine($"a failed task I, resubmitted alone, resumes its own cells: sbatch --array=I {sweepPath}");
                return 0;
            }
            string arrayJob = Sbatch(sweepPath);
            string finishJob = Sbatch($"--dependency=afterany:{arrayJob}", finishPath);
            Console.WriteLine($"submitted array job {arrayJob} and finishing job {finishJob}");
            return 0;
        }));
        return new Command("slurm", "Run NativeTV on a Slurm cluster") { sweep };
    }

    /// <summary>
    /// The sweep's own options as typed, without this command's, and with the run folder absolute (a task reads it
    /// from wherever Slurm starts it).
    /// </summary>
    private static IEnumerable<string> SweepArgs(ParseResult pr, string[] own, string run)
    {
        var tokens = pr.Tokens.Where(t => t.Type != TokenType.Command).ToList();
        for (int i = 0; i < tokens.Count; i++)
        {
            bool skip = tokens[i].Type == TokenType.Option && (own.Contains(tokens[i].Value) || tokens[i].Value == "--out");
            if (!skip) { yield return tokens[i].Value; continue; }
            if (tokens[i].Value != "--submit" && i + 1 < tokens.Count && tokens[i + 1].Type == TokenType.Argument) i++;
        }
        yield return "--out";
        yield return run;
    }

    /// <summary>sbatch --parsable ARGS: the job id, or an error with sbatch's message.</summary>
    private static string Sbatch(params string[] args)
    {
        var psi = new ProcessStartInfo("sbatch") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--parsable");
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception) { throw new InvalidOperationException("sbatch is not on PATH: submit the scripts on a machine with Slurm (without --submit this prints how)"); }
        using (p)
        {
            string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"sbatch {string.Join(' ', args)} failed: {stderr.Trim()}");
            return stdout.Trim().Split(';')[0];
        }
    }
}
