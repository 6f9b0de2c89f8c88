using NativeTV.Kernels;
using NativeTV.Kernels.Ilgpu;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;

namespace NativeTV.TaskVectors.Cleaning;

/// <summary>
/// How many prompts one cleaning pass may hold (<see cref="TaskVectorCleaner.CleanMany"/>'s maxPrompts): the activations
/// of a steering gradient (<see cref="TransformerModel.SteerGradBytes"/>, weights not counted) must fit a budget of bytes.
/// The default budget is a quarter of the GPU's memory on cuda, 2 GiB elsewhere (host memory, where a Gemma-size layer of
/// many tasks would not fit at once). The cap changes only which jobs share a pass, never a result.
/// </summary>
public static class CleaningPassBudget
{
    public const long CpuBytes = 2L << 30;

    public static long DefaultBytes(IBackend be) => BackendDecorator.Undecorated(be) is IlgpuBackend { DeviceMemoryBytes: { } m } ? m / 4 : CpuBytes;

    /// <summary>The most prompts of <paramref name="seqLen"/> tokens whose steering gradient from <paramref name="layer"/> fits <paramref name="bytes"/>; at least 1.</summary>
    public static int MaxPrompts(ModelConfig c, int seqLen, int layer, long bytes)
    {
        if (bytes < 1) throw new ArgumentException($"a cleaning pass budget of {bytes} bytes: give at least 1");
        return (int)Math.Clamp(bytes / TransformerModel.SteerGradBytes(c, 1, seqLen, layer), 1, int.MaxValue);
    }
}
