using System.CommandLine;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Host.Cli;

/// <summary>
/// The options every feature command (feature-steer, detectors, cross-layer, features) reads the same way:
/// model, device and threads, tasks, SAE folder (pattern), prompt seed and the run folder results go into.
/// </summary>
public sealed class PipelineCli
{
    public Option<string> Model { get; } = CommonOptions.Model();
    public Option<string> Device { get; } = CommonOptions.Device();
    public Option<int?> Threads { get; } = CommonOptions.Threads();
    public Option<string?> Tasks { get; } = CommonOptions.Tasks();
    public Option<string?> Task { get; } = new("--task") { Description = "only these tasks of --tasks, by name (comma list), in this order" };
    public Option<string?> Sae { get; } = new("--sae") { Description = "SAE folder, or a pattern with {layer} (default for the organism: MODEL/sae-l{layer})" };
    public Option<int> Seed { get; } = new("--seed") { Description = "prompt sampling seed", DefaultValueFactory = _ => 0 };
    public Option<string> Run { get; } = new("--run") { Description = "run folder (of a sweep) to read cleaned features from and write results into", DefaultValueFactory = _ => "runs/sweep" };

    public void AddTo(Command c) { foreach (var o in new Option[] { Model, Device, Threads, Tasks, Task, Sae, Seed, Run }) c.Options.Add(o); }

    /// <summary>The --run folder, taken for <paramref name="command"/> (one writer at a time).</summary>
    public RunFolder OpenRun(ParseResult pr, string command) => RunFolder.Open(pr.GetValue(Run)!, "--run", command);

    public PipelineContext Open(ParseResult pr, Func<TaskVectors.PromptOptions, TaskVectors.PromptOptions>? adjust = null)
    {
        CommonOptions.UseThreads(pr, Threads);
        return PipelineContext.Open(CommonOptions.ModelDir(pr, Model), pr.GetValue(Device)!, Selected(pr), pr.GetValue(Sae), pr.GetValue(Seed), adjust);
    }

    private IReadOnlyList<TaskVectors.IclTask> Selected(ParseResult pr)
    {
        var all = CommonOptions.LoadTasks(pr, Tasks, CommonOptions.ModelDir(pr, Model));
        if (pr.GetValue(Task) is not { } names) return all;
        var wanted = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = wanted.Where(n => all.All(t => t.Name != n)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"--task: no task {string.Join(", ", unknown)} (tasks: {string.Join(", ", all.Select(t => t.Name))})");
        return wanted.Distinct().Select(n => all.First(t => t.Name == n)).ToList();
    }
}
