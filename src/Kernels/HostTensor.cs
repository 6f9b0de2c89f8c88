using System.Runtime.InteropServices;

namespace NativeTV.Kernels;

/// <summary>
/// A tensor in host memory in its stored dtype: usually a view into a memory-mapped safetensors
/// file (no copy), or native memory owned by this object. Backends upload from it.
/// </summary>
public sealed unsafe class HostTensor
{
    public IntPtr Data { get; }
    public DType DType { get; }
    public long[] Shape { get; }
    public string Name { get; }
    /// <summary>Keeps the memory map (or native block) alive while the view is in use.</summary>
    private readonly object? _owner;

    public HostTensor(string name, IntPtr data, DType dtype, long[] shape, object? owner)
    {
        Name = name; Data = data; DType = dtype; Shape = shape; _owner = owner;
    }

    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
    public long ByteCount => Count * DType.Size();
    public int Rows => Shape.Length == 1 ? 1 : checked((int)Shape[0]);
    public int Cols => checked((int)Shape[^1]);

    /// <summary>The values widened to float32 (a copy: for small tensors and tests only).</summary>
    public float[] ToFloats()
    {
        var r = new float[Count];
        fixed (float* d = r) DTypes.Widen(DType, (byte*)Data, d, Count);
        return r;
    }

    /// <summary>Stores float32 values as <paramref name="dtype"/> in native memory owned by the result.</summary>
    public static HostTensor FromFloats(string name, ReadOnlySpan<float> values, long[] shape, DType dtype = DType.F32)
    {
        var block = new NativeBlock(values.Length * (long)dtype.Size());
        byte* p = (byte*)block.Ptr;
        for (int i = 0; i < values.Length; i++)
        {
            switch (dtype)
            {
                case DType.F32: ((float*)p)[i] = values[i]; break;
                case DType.BF16: ((ushort*)p)[i] = DTypes.FloatToBF16(values[i]); break;
                case DType.F16: ((ushort*)p)[i] = DTypes.FloatToF16(values[i]); break;
            }
        }
        return new HostTensor(name, block.Ptr, dtype, shape, block);
    }

    private sealed class NativeBlock
    {
        public IntPtr Ptr { get; }
        public NativeBlock(long bytes) => Ptr = (IntPtr)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
        ~NativeBlock() => NativeMemory.AlignedFree((void*)Ptr);
    }
}
