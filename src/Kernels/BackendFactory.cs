using NativeTV.Kernels.Cpu;
using NativeTV.Kernels.Ilgpu;
using NativeTV.Kernels.Native;

namespace NativeTV.Kernels;

/// <summary>Creates a backend from its `--device` name.</summary>
public static class BackendFactory
{
    public static readonly string[] Names = ["auto", "cpu", "ilgpu-cpu", "cuda", "cuda:K"];

    /// <summary>
    /// True when backends are wrapped in <see cref="CheckedBackend"/>: NATIVETV_CHECK_BACKEND=1 (the tests
    /// set it) or NATIVETV_DEBUG=1, or a Debug build. Read at each creation so a test can switch it.
    /// </summary>
    public static bool CheckContracts =>
        IsDebugBuild || Environment.GetEnvironmentVariable("NATIVETV_CHECK_BACKEND") == "1" || Environment.GetEnvironmentVariable("NATIVETV_DEBUG") == "1";

#if DEBUG
    private const bool IsDebugBuild = true;
#else
    private const bool IsDebugBuild = false;
#endif

    /// <summary>
    /// The precision of backends created without one: set by `--precision` for the whole process; when null,
    /// NATIVETV_PRECISION (f32|bf16, the tests set f32), else the device's default (<see cref="Precisions.DefaultFor"/>).
    /// </summary>
    public static Precision? Precision { get; set; }

    /// <summary>
    /// auto = cuda when a CUDA GPU is present, else cpu; checked when <see cref="CheckContracts"/>, each op an NVTX
    /// range when <see cref="Nvtx.Enabled"/>. <paramref name="precision"/> overrides the process-wide choice.
    /// </summary>
    public static IBackend Create(string name, Precision? precision = null)
    {
        var be = CreateUnchecked(name, precision ?? Precision ?? FromEnvironment());
        if (Nvtx.Enabled) be = new NvtxBackend(be);
        return CheckContracts ? new CheckedBackend(be) : be;
    }

    private static Precision? FromEnvironment() =>
        Environment.GetEnvironmentVariable("NATIVETV_PRECISION") is { Length: > 0 } s ? Precisions.Parse(s, "NATIVETV_PRECISION") : null;

    /// <summary>A null precision is the device's default.</summary>
    private static IBackend CreateUnchecked(string name, Precision? p) => name switch
    {
        "auto" => IlgpuBackend.CudaAvailable() ? CreateUnchecked("cuda", p) : CreateUnchecked("cpu", p),
        "cpu" => new CpuBackend(p ?? Precisions.DefaultFor(cuda: false)),
        "ilgpu-cpu" => new IlgpuBackend(useCuda: false, precision: p ?? Precisions.DefaultFor(cuda: false)),
        "cuda" => new IlgpuBackend(useCuda: true, precision: p ?? Precisions.DefaultFor(cuda: true)),
        _ when name.StartsWith("cuda:") && int.TryParse(name[5..], out int k) && k >= 0
            => new IlgpuBackend(useCuda: true, device: k, precision: p ?? Precisions.DefaultFor(cuda: true)),
        _ => throw new ArgumentException($"unknown device '{name}' (expected one of {string.Join(", ", Names)})"),
    };
}
