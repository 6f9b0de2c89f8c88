using ILGPU;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

/// <summary>A device array on an ILGPU accelerator (at least one element is allocated, so empty buffers still have a view).</summary>
public sealed class IlgpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    internal IlgpuBackend Owner { get; }
    internal MemoryBuffer1D<T, Stride1D.Dense> Memory { get; }
    internal ArrayView<T> View => Memory.View;

    internal IlgpuBuffer(IlgpuBackend owner, MemoryBuffer1D<T, Stride1D.Dense> memory, long length) : base(length)
    {
        Owner = owner;
        Memory = memory;
    }

    public override void Dispose() => Memory.Dispose();
}

/// <summary>
/// A weight kept on the device in its stored dtype: float32 as <see cref="F32Elem"/>, bf16 and f16 as
/// raw 16-bit values (<see cref="BF16Elem"/>, <see cref="F16Elem"/>). Kernels widen on read.
/// </summary>
public sealed class IlgpuWeight : DeviceWeight
{
    internal IlgpuBackend Owner { get; }
    internal MemoryBuffer Memory { get; }
    internal long Count { get; }

    internal IlgpuWeight(IlgpuBackend owner, string name, DType dtype, int rows, int cols, MemoryBuffer memory)
        : base(name, dtype, rows, cols)
    {
        Owner = owner;
        Memory = memory;
        Count = (long)rows * cols;
    }

    internal ArrayView<TW> View<TW>() where TW : unmanaged
        => ((MemoryBuffer1D<TW, Stride1D.Dense>)Memory).View;

    public override void Dispose() => Memory.Dispose();
}
