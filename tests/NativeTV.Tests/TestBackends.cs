namespace NativeTV.Tests;

/// <summary>
/// The backends every op and model test runs on: the fast CPU backend and ILGPU's CPU simulator
/// (the CUDA kernels' code path). NATIVETV_TEST_DEVICES=cpu,cuda runs them on a GPU instead.
/// </summary>
public static class TestBackends
{
    public static IEnumerable<string> Names =>
        Environment.GetEnvironmentVariable("NATIVETV_TEST_DEVICES")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        ?? ["cpu", "ilgpu-cpu"];
}
