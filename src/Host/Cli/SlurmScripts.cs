namespace NativeTV.Host.Cli;

/// <summary>
/// The two sbatch scripts of a sharded sweep: the array (task I runs `sweep ARGS --shard I/N`) and the finishing job
/// (`sweep ARGS --finish`, then `report`). Both run this same nativetv build, from the folder they were written in.
/// </summary>
public sealed record SlurmScripts(int Tasks, string? Partition, string? Time, int? Cpus, int? Gpus, string Run, IReadOnlyList<string> SweepArgs)
{
    public string ArrayScript()
    {
        var args = SweepArgs.ToList();
        // Slurm gives each task its GPUs through CUDA_VISIBLE_DEVICES: the first visible one is the task's.
        if (Gpus != null && !args.Contains("--device")) args.AddRange(["--device", "cuda"]);
        return Header("nativetv-sweep", $"sweep-%A_%a.out", extra: [$"--array=0-{Tasks - 1}", .. Cpus is { } c ? [$"--cpus-per-task={c}"] : Array.Empty<string>(),
            .. Gpus is { } g ? [$"--gres=gpu:{g}"] : Array.Empty<string>(), .. Time is { } t ? [$"--time={t}"] : Array.Empty<string>()])
            + "# Task I computes shard I of the cells; resubmitted alone (sbatch --array=I this-file) it resumes its own cells.\n"
            + "export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1} OPENBLAS_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}\n"
            + $"exec {Nativetv} sweep {Quote(args)} --shard \"$SLURM_ARRAY_TASK_ID/{Tasks}\"\n";
    }

    public string FinishScript()
    {
        // Merging and drawing need no accelerator: the finishing job reads the model's config, not its weights, and computes nothing.
        var args = SweepArgs.ToList();
        foreach (string option in new[] { "--device", "--precision" })
            if (args.IndexOf(option) is var d and >= 0) args.RemoveRange(d, Math.Min(2, args.Count - d));
        return Header("nativetv-finish", "finish-%j.out", extra: [])
            + $"{Nativetv} sweep {Quote(args)} --device cpu --finish\n"
            + $"{Nativetv} report {Quote([Run])}\n";
    }

    private string Header(string name, string output, string[] extra) =>
        "#!/bin/bash\n"
        + $"# Written by `nativetv slurm sweep` for {Run}.\n"
        + $"#SBATCH --job-name={name}\n"
        + $"#SBATCH --output={Path.Combine(Run, "slurm", output)}\n"
        + $"#SBATCH --chdir={Environment.CurrentDirectory}\n"
        + (Partition is { } p ? $"#SBATCH --partition={p}\n" : "")
        + string.Concat(extra.Select(e => $"#SBATCH {e}\n"))
        + "set -euo pipefail\n";

    /// <summary>This very build: the dotnet host and nativetv.dll, so every task runs the code that wrote the script.</summary>
    private static string Nativetv => Quote([Environment.ProcessPath!, typeof(SlurmScripts).Assembly.Location]);

    private static string Quote(IEnumerable<string> args) => string.Join(' ', args.Select(a => "'" + a.Replace("'", "'\\''") + "'"));
}
