using System.CommandLine;
using System.Diagnostics;
using NativeTV.Host.Cli;
using NativeTV.Kernels;
using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Experiments;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv bench clean-batch`: every task of a model (the organism's 12 by default) cleaned at one layer for a fixed
/// number of steps, one task at a time (a forward and backward per task and step) against all tasks in one batch
/// (one per step), interleaved and repeated in the same run; prints ms per step of all tasks each, their ratio, and
/// how far the batched vectors are from the one-at-a-time ones.
/// </summary>
public static class BenchCleanBatch
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var tasks = CommonOptions.Tasks();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var layer = new Option<int>("--layer") { Description = "resid_pre layer cleaned at (needs the model's SAE there)", DefaultValueFactory = _ => 2 }.AtLeast(0);
        var steps = new Option<int>("--steps") { Description = "cleaning steps per task (no early stop)", DefaultValueFactory = _ => 20 }.AtLeast(1);
        var reps = new Option<int>("--reps") { Description = "repetitions of the pair (one at a time, batched), after a warm-up", DefaultValueFactory = _ => 3 }.AtLeast(1);
        var profile = CommonOptions.Profile();
        var cmd = new Command("clean-batch", "Cleaning every task at one layer one at a time vs in one batch: ms per step and ratio") { model, tasks, device, threads, layer, steps, reps, profile };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            CommonOptions.UseThreads(pr, threads);
            string dir = CommonOptions.ModelDir(pr, model);
            int L = pr.GetValue(layer), S = pr.GetValue(steps), n = pr.GetValue(reps);
            using var ctx = PipelineContext.Open(dir, pr.GetValue(device)!, CommonOptions.LoadTasks(pr, tasks, dir), null, 0, profile: pr.GetValue(profile));
            ctx.CheckLayer(L, "--layer");
            var m = ctx.Model;
            var sae = ctx.Sae(L);
            var jobs = ctx.Prompts.Select(p => new CleaningJob(PromptBatch.Of(p.Clean, ctx.NFirst, m.Config.PadTokenId), ctx.TaskVector(p, L))).ToList();
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape($"{ctx.Backend.DeviceDescription}; {jobs.Count} tasks x {ctx.Counts.Clean} cleaning prompts at resid_pre[{L}], {S} steps")}[/]");

            IReadOnlyList<CleaningResult> OneAtATime(CleaningOptions o) => jobs.Select(j => TaskVectorCleaner.Clean(m, sae, L, j.CleanSet, j.TaskVector, o)).ToList();
            IReadOnlyList<CleaningResult> Batched(CleaningOptions o) => TaskVectorCleaner.CleanMany(m, sae, L, jobs, o);
            // Patience past the last step: every task runs all steps in both modes.
            var opts = CleaningRecipes.Of(ctx.Manifest) with { Steps = S, Patience = S };
            OneAtATime(opts with { Steps = 1 });
            Batched(opts with { Steps = 1 });
            var (single, batched) = (new List<double>(), new List<double>());
            IReadOnlyList<CleaningResult> a = [], b = [];
            for (int r = 0; r < n; r++)
            {
                single.Add(Time(() => a = OneAtATime(opts)) / S);
                batched.Add(Time(() => b = Batched(opts)) / S);
                AnsiConsole.MarkupLine($"[grey]rep {r + 1}: one at a time {single[^1] * 1e3:F1} ms per step, batched {batched[^1] * 1e3:F1} ms[/]");
            }
            double ms = Median(single), mb = Median(batched);
            double diff = a.Zip(b).Max(x => x.First.Vector.Zip(x.Second.Vector).Max(v => Math.Abs(v.First - v.Second)) / Math.Max(1e-30, x.First.Vector.Max(Math.Abs)));
            // Stacking pads every prompt to the longest of all tasks: positions computed per step in each mode.
            long alone = jobs.Sum(j => (long)j.CleanSet.Tokens.Batch * j.CleanSet.Tokens.SeqLen);
            long stacked = (long)jobs.Sum(j => j.CleanSet.Tokens.Batch) * jobs.Max(j => j.CleanSet.Tokens.SeqLen);
            BenchCommand.Print([
                ("positions per step, one at a time / batched", $"{alone} / {stacked}"),
                ($"one at a time ({jobs.Count} passes per step), ms per step", $"{ms * 1e3:F1}"),
                ("batched (1 pass per step), ms per step", $"{mb * 1e3:F1}"),
                ("speed-up (median of each)", $"{ms / mb:F2}"),
                ("max relative vector difference", $"{diff:G2}"),
            ]);
            if (ctx.Backend is ProfilingBackend prof) ProfileTable.Write(prof, 1, $"all ops of the run: warm-up and {n} repetitions of both modes");
            return 0;
        }));
        return cmd;
    }

    private static double Time(Action run)
    {
        var sw = Stopwatch.StartNew();
        run();
        return sw.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
}
