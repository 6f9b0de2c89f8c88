using System.CommandLine;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Host.Cli;

/// <summary>
/// The options every feature command (feature-steer, detectors, cross-layer, features) reads the same way:
/// model, device and threads, tasks, SAE folder (pattern), prompt seed and the run folder results go into. Where the run folder
/// holds a sweep, its settings.json is the source of truth: model, tasks, SAEs, prompt format, counts and seed come
/// from it, and an option that contradicts it is an error naming both values.
/// </summary>
public sealed class PipelineCli
{
    public Option<string> Model { get; } = CommonOptions.Model();
    public Option<string> Device { get; } = CommonOptions.Device();
    public Option<int?> Threads { get; } = CommonOptions.Threads();
    public Option<string?> Tasks { get; } = CommonOptions.Tasks();
    public Option<string?> Task { get; } = new("--task") { Description = "only these tasks of --tasks, by name (comma list), in this order" };
    public Option<string?> Sae { get; } = new("--sae") { Description = "SAE folder, or a pattern with {layer} (default for the organism: MODEL/sae-l{layer})" };
    public Option<int?> Seed { get; } = new("--seed") { Description = "prompt sampling seed (default: the run's, else 0)" };
    public Option<string> Run { get; } = new("--run") { Description = "run folder (of a sweep) to read cleaned features from and write results into", DefaultValueFactory = _ => "runs/sweep" };

    public void AddTo(Command c) { foreach (var o in new Option[] { Model, Device, Threads, Tasks, Task, Sae, Seed, Run }) c.Options.Add(o); }

    /// <summary>The --run folder, taken for <paramref name="command"/> (one writer at a time).</summary>
    public RunFolder OpenRun(ParseResult pr, string command) => RunFolder.Open(pr.GetValue(Run)!, "--run", command);

    public PipelineContext Open(ParseResult pr, Func<TaskVectors.PromptOptions, TaskVectors.PromptOptions>? adjust = null)
    {
        CommonOptions.UseThreads(pr, Threads);
        var run = RunSettings.Read(pr.GetValue(Run)!);
        string model = Agreed(pr, Model, run?.ExistingPath("model"), "model") ?? BuiltInModel.Path;
        string? tasks = Agreed(pr, Tasks, run?.ExistingPath("tasks"), "tasks");
        string? sae = Agreed(pr, Sae, run?.Get("sae"), "sae");
        int seed = Agreed(pr, Seed, run?.Int("seed"), "seed") ?? 0;
        var counts = run?.Prompts is { } c ? new PromptCounts(c.Icl, c.Clean, c.Eval) : null;
        TaskVectors.PromptOptions FromRun(TaskVectors.PromptOptions o) => run is null ? o : o with
        {
            Shots = run.Int("shots") ?? o.Shots, Prefix = run.Text("prefix") ?? o.Prefix, NFirst = run.Int("n_first") ?? o.NFirst,
        };
        return PipelineContext.Open(model, pr.GetValue(Device)!, Selected(pr, tasks, model), sae, seed, o => adjust?.Invoke(FromRun(o)) ?? FromRun(o), counts);
    }

    /// <summary>The option's value where given, else the run's; both given and different is an error naming both.</summary>
    private T? Agreed<T>(ParseResult pr, Option<T> option, T? fromRun, string key)
    {
        var v = pr.GetValue(option);
        if (pr.GetResult(option) is not { Implicit: false }) return fromRun is not null ? fromRun : v;
        bool same = fromRun is null || EqualityComparer<T>.Default.Equals(v, fromRun)
            || (v is string a && fromRun is string b && Path.GetFullPath(a) == Path.GetFullPath(b));
        if (!same)
            throw new ArgumentException($"{option.Name} {v} contradicts the run's {key} {fromRun} ({pr.GetValue(Run)}/settings.json): leave the option out, or use another --run");
        return v;
    }

    private IReadOnlyList<TaskVectors.IclTask> Selected(ParseResult pr, string? tasks, string model)
    {
        var all = tasks is { } path ? TaskVectors.TaskLoader.Load(path) : PipelineContext.DefaultTasks(model);
        if (pr.GetValue(Task) is not { } names) return all;
        var wanted = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = wanted.Where(n => all.All(t => t.Name != n)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"--task: no task {string.Join(", ", unknown)} (tasks: {string.Join(", ", all.Select(t => t.Name))})");
        return wanted.Distinct().Select(n => all.First(t => t.Name == n)).ToList();
    }
}
