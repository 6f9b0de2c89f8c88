using NativeTV.Kernels.Native;

namespace NativeTV.Kernels;

/// <summary>Wraps every op call in an NVTX range named after the op (see <see cref="Nvtx"/>); BackendFactory adds it when ranges are on.</summary>
public sealed class NvtxBackend(IBackend inner) : BackendDecorator(inner)
{
    protected override void Run(string op, Action call)
    {
        using (Nvtx.Range(op)) call();
    }
}
