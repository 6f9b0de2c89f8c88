namespace NativeTV.Tests;

/// <summary>The backends every op and model test runs on: the fast CPU backend and ILGPU's CPU simulator (CUDA kernels' code path).</summary>
public static class TestBackends
{
    public static IEnumerable<string> Names => ["cpu", "ilgpu-cpu"];
}
