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
/// Either it owns its memory (uploaded weights) or it is a float32 view into an <see cref="IlgpuBuffer{T}"/>
/// (trainable parameters, see <see cref="IlgpuBackend.AsWeight"/>): kernels read the buffer's current
/// contents through it, and disposing a view frees nothing.
/// </summary>
public sealed class IlgpuWeight : DeviceWeight
{
    internal IlgpuBackend Owner { get; }
    internal long Count { get; }

    /// <summary>The owned memory, or null for a view.</summary>
    private readonly MemoryBuffer? _memory;

    /// <summary>The viewed float32 elements (when <see cref="_memory"/> is null).</summary>
    private readonly ArrayView<float> _view;

    internal IlgpuWeight(IlgpuBackend owner, string name, DType dtype, int rows, int cols, MemoryBuffer memory)
        : base(name, dtype, rows, cols)
    {
        Owner = owner;
        _memory = memory;
        Count = (long)rows * cols;
    }

    /// <summary>A float32 view (no copy, not owned) of rows * cols elements of <paramref name="view"/>.</summary>
    internal IlgpuWeight(IlgpuBackend owner, string name, int rows, int cols, ArrayView<float> view)
        : base(name, DType.F32, rows, cols)
    {
        Owner = owner;
        _view = view;
        Count = (long)rows * cols;
    }

    internal ArrayView<TW> View<TW>() where TW : unmanaged
        => _memory is not null ? ((MemoryBuffer1D<TW, Stride1D.Dense>)_memory).View : _view.Cast<TW>();

    /// <summary>The device address of the first element (for libraries such as cuBLAS that take raw pointers).</summary>
    internal IntPtr Address => _memory?.NativePtr ?? CublasMatMul.Address(_view, 0);

    public override void Dispose() => _memory?.Dispose();
}
