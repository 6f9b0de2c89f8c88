namespace NativeTV.Kernels.Native;

/// <summary>
/// Consecutive NVTX ranges (a model's embedding, then each layer's attention and MLP, ...): each
/// <see cref="Enter"/> closes the previous stage, Dispose the last. One line per stage boundary keeps the
/// model code as it reads, with no nesting; nothing is formatted while ranges are off.
/// </summary>
public sealed class NvtxStages : IDisposable
{
    private bool _open;

    /// <summary>Starts stage "<paramref name="stage"/>", or "layer L <paramref name="stage"/>" when a layer is given.</summary>
    public void Enter(string stage, int layer = -1)
    {
        if (!Nvtx.Enabled) return;
        Dispose();
        Nvtx.Push(layer < 0 ? stage : $"layer {layer} {stage}");
        _open = true;
    }

    public void Dispose()
    {
        if (_open) Nvtx.Pop();
        _open = false;
    }
}
