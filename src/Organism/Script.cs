using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Experiments;

namespace NativeTV.Organism;

/// <summary>
/// The start every short program (examples/) shares: arguments <c>[MODEL_DIR] [LAYER]</c> (default: the built-in organism,
/// found from the program's folder up, at layer 2, where it has an SAE), the model's pipeline context with its manifest's
/// tasks, SAEs and cleaning recipe, and small settings when <c>NATIVETV_QUICK=1</c> so CI runs every example in seconds.
/// </summary>
public static class Script
{
    /// <summary>NATIVETV_QUICK=1: few prompts, three tasks, few optimisation steps (CI's setting; the numbers mean little).</summary>
    public static bool Quick => Environment.GetEnvironmentVariable("NATIVETV_QUICK") == "1";

    /// <summary>The folder of the running file-based app (<c>dotnet run file.cs</c>), else the current folder.</summary>
    public static string Dir => AppContext.GetData("EntryPointFileDirectoryPath") as string ?? Environment.CurrentDirectory;

    public static string ModelDir(string[] args) => args.Length > 0 ? args[0] : OrganismFolder.Find(Dir, Environment.CurrentDirectory);

    public static int Layer(string[] args) => args.Length > 1 ? int.Parse(args[1]) : 2;

    /// <summary>The model of <see cref="ModelDir"/> on the best device, its manifest's tasks (three when quick), seed 0.</summary>
    public static PipelineContext Open(string[] args)
    {
        string dir = ModelDir(args);
        var tasks = PipelineContext.DefaultTasks(dir);
        return PipelineContext.Open(dir, "auto", Quick ? tasks.Take(3).ToList() : tasks, null, seed: 0, counts: Quick ? new PromptCounts(Icl: 4, Clean: 4, Eval: 8) : null);
    }

    /// <summary>The model's cleaning recipe (<see cref="CleaningRecipes.Of"/>), with 5 steps when quick.</summary>
    public static CleaningOptions Cleaning(PipelineContext ctx) => CleaningRecipes.Of(ctx.Manifest) is var o && Quick ? o with { Steps = 5 } : o;

    /// <summary>An output folder for program <paramref name="name"/>: runs/examples/NAME in the repository (ignored by git).</summary>
    public static string Out(string name) => Path.GetFullPath(Path.Combine(Dir, "..", "runs", "examples", name));
}
