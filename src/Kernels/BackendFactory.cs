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

    /// <summary>auto = cuda when a CUDA GPU is present, else cpu; checked when <see cref="CheckContracts"/>, each op an NVTX range when <see cref="Nvtx.Enabled"/>.</summary>
    public static IBackend Create(string name)
    {
        var be = CreateUnchecked(name);
        if (Nvtx.Enabled) be = new NvtxBackend(be);
        return CheckContracts ? new CheckedBackend(be) : be;
    }

    private static IBackend CreateUnchecked(string name) => name switch
    {
        "auto" => IlgpuBackend.CudaAvailable() ? new IlgpuBackend(useCuda: true) : new CpuBackend(),
        "cpu" => new CpuBackend(),
        "ilgpu-cpu" => new IlgpuBackend(useCuda: false),
        "cuda" => new IlgpuBackend(useCuda: true),
        _ when name.StartsWith("cuda:") && int.TryParse(name[5..], out int k) && k >= 0 => new IlgpuBackend(useCuda: true, device: k),
        _ => throw new ArgumentException($"unknown device '{name}' (expected one of {string.Join(", ", Names)})"),
    };
}
