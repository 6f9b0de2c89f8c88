using NativeTV.Kernels.Cpu;
using NativeTV.Kernels.Ilgpu;

namespace NativeTV.Kernels;

/// <summary>Creates a backend from its `--device` name.</summary>
public static class BackendFactory
{
    public static readonly string[] Names = ["auto", "cpu", "ilgpu-cpu", "cuda"];

    /// <summary>auto = cuda when a CUDA GPU is present, else cpu.</summary>
    public static IBackend Create(string name) => name switch
    {
        "auto" => IlgpuBackend.CudaAvailable() ? new IlgpuBackend(useCuda: true) : new CpuBackend(),
        "cpu" => new CpuBackend(),
        "ilgpu-cpu" => new IlgpuBackend(useCuda: false),
        "cuda" => new IlgpuBackend(useCuda: true),
        _ => throw new ArgumentException($"unknown device '{name}' (expected one of {string.Join(", ", Names)})"),
    };
}
