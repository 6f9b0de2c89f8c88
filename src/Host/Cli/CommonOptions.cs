using NativeTV.Transformer.Checkpoints;
using System.CommandLine;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;
using TaskVectors = NativeTV.TaskVectors;

namespace NativeTV.Host.Cli;

/// <summary>Options several commands share, so they read and behave the same everywhere.</summary>
public static class CommonOptions
{
    /// <summary>--model, defaulting to the built-in organism (resolved when read, so commands that never load a model never look for it).</summary>
    public static Option<string> Model() => new("--model") { Description = $"Hugging Face checkpoint folder (config.json + safetensors); default: the built-in organism ({BuiltInModel.RelativePath})" };

    public static string ModelDir(ParseResult pr, Option<string> model) => pr.GetValue(model) ?? BuiltInModel.Path;

    /// <summary>--tasks, defaulting to the tasks the model folder's nativetv.json names (the organism's 12).</summary>
    public static Option<string?> Tasks() => new("--tasks") { Description = "a task .json file or a folder of them (Hendel et al. {\"x\": \"y\"}, Todd et al. [{\"input\", \"output\"}] or Hernandez et al. {\"samples\": [{\"subject\", \"object\"}]} format); default: the tasks the model's nativetv.json names (the organism: its 12 tasks)" };

    public static IReadOnlyList<TaskVectors.IclTask> LoadTasks(ParseResult pr, Option<string?> tasks, string modelDir) =>
        pr.GetValue(tasks) is { } path ? TaskVectors.TaskLoader.Load(path) : TaskVectors.Experiments.PipelineContext.DefaultTasks(modelDir);

    public static Option<string> Device() => new("--device")
    {
        Description = "cpu (OpenBLAS), cuda or cuda:K (ILGPU kernels on the first or K-th visible NVIDIA GPU), ilgpu-cpu (ILGPU's CPU simulator, for checking kernels) or auto",
        DefaultValueFactory = _ => "auto",
    };

    /// <summary>
    /// --precision, on every command (recursive, added to the root): the matmul precision of the backends the command
    /// creates. Read once at start (<see cref="UsePrecision"/>), like --threads.
    /// </summary>
    public static Option<string?> Precision() => new Option<string?>("--precision")
    {
        Recursive = true,
        Description = "matmul precision: f32 (float32 GEMM) or bf16 (tensor-core MMAs: bf16 operands, f16 for f16-stored weights, float32 accumulation); default bf16 on cuda, f32 on cpu and ilgpu-cpu (bf16 on cpu: oneDNN bf16 GEMMs, needs libdnnl2)",
    }.AcceptOnlyFromAmong(Precisions.Names);

    /// <summary>Applies --precision when given, for every backend this process creates.</summary>
    public static void UsePrecision(ParseResult pr, Option<string?> precision)
    {
        if (pr.GetValue(precision) is { } p) BackendFactory.Precision = Precisions.Parse(p);
    }

    public static Option<int?> Threads() => new Option<int?>("--threads")
    {
        Description = "CPU threads of the cpu backend's GEMMs and loops (default: OPENBLAS_NUM_THREADS, else OMP_NUM_THREADS, else all cores)",
    }.AtLeast(1);

    /// <summary>Applies --threads when given; process-wide, so read before any backend work.</summary>
    public static void UseThreads(ParseResult pr, Option<int?> threads)
    {
        if (pr.GetValue(threads) is { } n) NativeTV.Kernels.Cpu.CpuBackend.SetThreads(n);
    }

    public static IBackend CreateBackend(string device) => BackendFactory.Create(device);

    /// <summary>The backend, inside a <see cref="ProfilingBackend"/> when <paramref name="profile"/> (`--profile`).</summary>
    public static IBackend CreateBackend(string device, bool profile) => profile ? new ProfilingBackend(BackendFactory.Create(device)) : BackendFactory.Create(device);

    /// <summary>--profile: time every op through a <see cref="ProfilingBackend"/> and print the table at the end (<see cref="ProfileTable"/>).</summary>
    public static Option<bool> Profile() => new("--profile") { Description = "time every op (synchronising after each) and print the per-op table at the end" };
}

/// <summary>--steer-layer / --steer-vector / --steer-positions / --steer-scale: add scale * v to resid_pre[L] at given positions.</summary>
public sealed class SteeringOptions
{
    public Option<int?> Layer { get; } = new("--steer-layer") { Description = "add the vector to resid_pre[L] (0..n_layers)" };
    public Option<string?> Vector { get; } = new("--steer-vector") { Description = "safetensors file with a float tensor `vector` [d_model]" };
    public Option<string?> Positions { get; } = new("--steer-positions") { Description = "comma-separated token positions (default: the last prompt token)" };
    public Option<float> Scale { get; } = new Option<float>("--steer-scale") { Description = "multiplier of the vector", DefaultValueFactory = _ => 1f }.Finite();

    public void AddTo(Command c) { c.Options.Add(Layer); c.Options.Add(Vector); c.Options.Add(Positions); c.Options.Add(Scale); }

    /// <summary>The steering hook for a single sequence of <paramref name="seqLen"/> tokens, or none.</summary>
    public HookAdd? Build(ParseResult pr, ModelConfig cfg, int seqLen)
    {
        int? layer = pr.GetValue(Layer);
        string? vecPath = pr.GetValue(Vector);
        if (layer is null)
        {
            if (vecPath != null || pr.GetValue(Positions) != null) throw new ArgumentException("--steer-vector and --steer-positions need --steer-layer");
            return null;
        }
        if (layer < 0 || layer > cfg.Layers) throw new ArgumentException($"--steer-layer {layer} is outside 0..{cfg.Layers}");
        var positions = pr.GetValue(Positions) is { } p ? Parse.IntList(p, "--steer-positions") : [seqLen - 1];
        if (positions.Any(x => x < 0 || x >= seqLen)) throw new ArgumentException($"--steer-positions must be in 0..{seqLen - 1}");
        var vector = vecPath is null ? new float[cfg.HiddenSize] : SteeringVectorFile.Read(vecPath, cfg.HiddenSize);
        return new HookAdd(new HookKey(HookPoint.ResidPre, layer.Value), positions, vector, pr.GetValue(Scale));
    }
}
