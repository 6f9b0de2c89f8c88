using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace NativeTV.Kernels.Ilgpu;

/// <summary>
/// A float32 matrix view as passed to kernels: element (r, c) of <see cref="Data"/> is at
/// Offset + r * Ld + c (the device form of <see cref="Mat"/>).
/// </summary>
public struct MatV
{
    public ArrayView<float> Data;
    public long Offset;
    public int Rows;
    public int Cols;
    public int Ld;

    public readonly long Idx(int r, int c) => Offset + (long)r * Ld + c;
}

/// <summary>
/// The op set on ILGPU: CUDA (PTX) or ILGPU's CPU accelerator (a simulator used by the tests).
/// Every op is split into its own file, IlgpuBackend.&lt;Op&gt;.cs, with room for its backward.
/// Kernels are compiled lazily on first use and cached. Calls are asynchronous: copies to host and
/// <see cref="Synchronize"/> wait.
/// </summary>
public sealed partial class IlgpuBackend : IBackend
{
    /// <summary>Largest group used for per-row reductions (static shared memory size of those kernels).</summary>
    private const int MaxReduceGroup = 256;

    private readonly Context _context;
    private readonly Accelerator _acc;
    private readonly Dictionary<string, Delegate> _kernels = new();
    private bool _disposed;

    /// <summary>Threads per group of the per-row reduction kernels (a power of two).</summary>
    private readonly int _reduceGroup;

    /// <summary>Side of the square GEMM tile (the group is Tile x Tile threads).</summary>
    private readonly int _tile;

    public string Name { get; }
    public string DeviceDescription { get; }
    /// <summary>The GPU's memory on cuda (for sizing batches); null on the CPU simulator, whose memory is the host's.</summary>
    public long? DeviceMemoryBytes => _acc.AcceleratorType == AcceleratorType.Cuda ? _acc.MemorySize : null;

    /// <summary>What the matmuls compute in: the f32 GEMM, or the tensor-core GEMM with 16-bit operands.</summary>
    public Precision Precision { get; }

    /// <param name="device">The CUDA device index among those visible (CUDA_VISIBLE_DEVICES, as Slurm sets it).</param>
    public IlgpuBackend(bool useCuda, int device = 0, Precision precision = Precision.F32)
    {
        Precision = precision;
        if (useCuda)
        {
            Context? ctx = null;
            try
            {
                ctx = Context.Create(b => b.Cuda().EnableAlgorithms());
                int count = ctx.GetCudaDevices().Count;
                if (count == 0)
                    throw new InvalidOperationException("CUDA backend requested but no CUDA device was found (is the NVIDIA driver installed and a GPU visible?)");
                if (device >= count) throw new ArgumentException($"--device cuda:{device}: only {count} CUDA device(s) are visible (0..{count - 1})");
                _acc = ctx.CreateCudaAccelerator(device);
                _context = ctx;
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException) { ctx?.Dispose(); throw; }
            catch (Exception e)
            {
                ctx?.Dispose();
                throw new InvalidOperationException($"CUDA backend requested but CUDA could not be initialised: {e.Message}", e);
            }
            Name = device == 0 ? "cuda" : $"cuda:{device}";
        }
        else
        {
            // The default CPU device (4 warps of 4 threads): barriers are emulated with OS threads, so small
            // groups keep the simulator fast; kernels size their groups from the accelerator.
            // bf16 needs 32-lane warps (the MMA fragment layout): 2 of them, what the simulator's tiling uses.
            var cpu = precision == Precision.BF16 ? new CPUDevice(32, 2, 1) : CPUDevice.Default;
            _context = Context.Create(b => b.CPU(cpu).EnableAlgorithms());
            _acc = _context.CreateCPUAccelerator(0);
            Name = "ilgpu-cpu";
        }

        int maxGroup = _acc.MaxNumThreadsPerGroup;
        _reduceGroup = FloorPow2(Math.Min(MaxReduceGroup, maxGroup));
        _tile = maxGroup >= 256 ? 16 : maxGroup >= 64 ? 8 : maxGroup >= 16 ? 4 : maxGroup >= 4 ? 2 : 1;
        DeviceDescription = (_acc.AcceleratorType == AcceleratorType.Cuda
            ? $"{_acc.Name} (CUDA, {_acc.MemorySize / (1024.0 * 1024 * 1024):F1} GiB, {_acc.NumMultiprocessors} SMs, ILGPU"
            : $"ILGPU CPU simulator ({_acc.Name}, warp {_acc.WarpSize}, max group {maxGroup}")
            + (precision == Precision.BF16 ? ", bf16 precision: tensor-core matmuls)" : ", f32 matmuls)");
    }

    /// <summary>True when a CUDA device can be opened by ILGPU. Never throws.</summary>
    public static bool CudaAvailable()
    {
        try
        {
            using var ctx = Context.Create(b => b.Cuda());
            return ctx.GetCudaDevices().Count > 0;
        }
        catch
        {
            return false;
        }
    }

    private static int FloorPow2(int n)
    {
        int p = 1;
        while (p * 2 <= n) p *= 2;
        return p;
    }

    // ---------------------------------------------------------------- buffers and copies

    public DeviceBuffer<float> Alloc(long length) => AllocOf<float>(length);
    public DeviceBuffer<int> AllocInts(long length) => AllocOf<int>(length);

    private IlgpuBuffer<T> AllocOf<T>(long length) where T : unmanaged
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length));
        var mem = _acc.Allocate1D<T>(Math.Max(length, 1));
        mem.MemSetToZero();
        return new IlgpuBuffer<T>(this, mem, length);
    }

    // The host spans are pinned for the copy: ILGPU takes a ref and works on its address, and an unpinned
    // managed array can be moved by a GC during the copy (seen as stray zeros in uploaded data).
    public unsafe void CopyToDevice<T>(ReadOnlySpan<T> src, DeviceBuffer<T> dst, long dstOffset = 0) where T : unmanaged
    {
        var b = Buf(dst, nameof(dst));
        if (dstOffset < 0 || dstOffset + src.Length > b.Length)
            throw new ArgumentOutOfRangeException(nameof(dstOffset), $"copy of {src.Length} to [{dstOffset}, ...) outside buffer of {b.Length}");
        if (src.Length == 0) return;
        fixed (T* p = src) b.View.SubView(dstOffset, src.Length).CopyFromCPU(ref *p, src.Length);
    }

    public unsafe void CopyToHost<T>(DeviceBuffer<T> src, long srcOffset, Span<T> dst) where T : unmanaged
    {
        var b = Buf(src, nameof(src));
        if (srcOffset < 0 || srcOffset + dst.Length > b.Length)
            throw new ArgumentOutOfRangeException(nameof(srcOffset), $"copy of {dst.Length} from [{srcOffset}, ...) outside buffer of {b.Length}");
        if (dst.Length == 0) return;
        fixed (T* p = dst) b.View.SubView(srcOffset, dst.Length).CopyToCPU(ref *p, dst.Length);
    }

    public void Synchronize() => _acc.Synchronize();

    /// <summary>The ILGPU accelerator, for code that runs vendor libraries on its buffers and stream (<see cref="CublasMatMul"/>).</summary>
    internal Accelerator Accelerator => _acc;

    public unsafe DeviceWeight Upload(HostTensor t)
    {
        int cols = t.Cols;
        long count = t.Count;
        int rows = cols == 0 ? 0 : checked((int)(count / cols));
        MemoryBuffer mem = t.DType switch
        {
            DType.F32 => UploadRaw<F32Elem>(t.Data, count),
            DType.BF16 => UploadRaw<BF16Elem>(t.Data, count),
            DType.F16 => UploadRaw<F16Elem>(t.Data, count),
            _ => throw new ArgumentOutOfRangeException(nameof(t), $"unsupported dtype {t.DType}"),
        };
        return new IlgpuWeight(this, t.Name, t.DType, rows, cols, mem);
    }

    /// <summary>Copies straight from the (possibly memory-mapped) host pointer to the device: no managed copy.</summary>
    private unsafe MemoryBuffer1D<TW, Stride1D.Dense> UploadRaw<TW>(IntPtr data, long count) where TW : unmanaged
    {
        var mem = _acc.Allocate1D<TW>(Math.Max(count, 1));
        const long chunk = 1L << 26; // elements per copy call (bounded transfers)
        for (long done = 0; done < count; done += chunk)
        {
            long n = Math.Min(chunk, count - done);
            ref TW src = ref Unsafe.AsRef<TW>((TW*)data + done);
            mem.View.SubView(done, n).CopyFromCPU(ref src, n);
        }
        return mem;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _kernels.Clear();
        _acc.Dispose();
        _context.Dispose();
    }

    // ---------------------------------------------------------------- helpers
    //
    // The op contract (shapes, lengths, index ranges) is checked once for every backend by CheckedBackend,
    // on in tests and debug runs. Kept here only what converting arguments to kernel form needs anyway:
    // the buffer or weight belongs to this accelerator, a view lies inside its buffer, and a launch fits int.

    private IlgpuBuffer<T> Buf<T>(DeviceBuffer<T> b, string name) where T : unmanaged
    {
        if (b is not IlgpuBuffer<T> ib || ib.Owner != this)
            throw new BackendContractException($"{name} is not a buffer of this {Name} backend");
        return ib;
    }

    private IlgpuWeight Weight(DeviceWeight w, string name)
    {
        if (w is not IlgpuWeight iw || iw.Owner != this)
            throw new BackendContractException($"{name} ('{w.Name}') is not a weight of this {Name} backend");
        return iw;
    }

    /// <summary>Checks a view against its buffer and converts it to the kernel form.</summary>
    private MatV View(Mat m, string name)
    {
        var b = Buf(m.Buf, name);
        if (m.Rows < 0 || m.Cols < 0 || m.Offset < 0 || (m.Rows > 1 && m.Ld < m.Cols) || m.End > b.Length)
            throw new BackendContractException($"{name}: view (offset {m.Offset}, {m.Rows}x{m.Cols}, ld {m.Ld}) does not fit its buffer of {b.Length}");
        return new MatV { Data = b.View, Offset = m.Offset, Rows = m.Rows, Cols = m.Cols, Ld = m.Ld };
    }

    private static int Count(long n, string what)
    {
        if (n > int.MaxValue) throw new ArgumentException($"{what}: {n} elements exceed one launch (int.MaxValue)");
        return (int)n;
    }

    /// <summary>Loads a kernel once (per key) and caches its launcher delegate.</summary>
    private TDelegate Kernel<TDelegate>(string key, Func<Accelerator, TDelegate> load) where TDelegate : Delegate
    {
        lock (_kernels)
        {
            if (_kernels.TryGetValue(key, out var d)) return (TDelegate)d;
            var k = load(_acc);
            _kernels[key] = k;
            return k;
        }
    }

    // ---------------------------------------------------------------- device-side helpers

    /// <summary>Sum of squares of one row, reduced over the group (one group per row); all threads get the result.</summary>
    private static float RowSumOfSquares(MatV x, int row, ArrayView<float> sh)
    {
        float ss = 0f;
        for (int c = Group.IdxX; c < x.Cols; c += Group.DimX)
        {
            float v = x.Data[x.Idx(row, c)];
            ss += v * v;
        }
        return GroupSum(ss, sh);
    }

    /// <summary>Sum over the group (Group.DimX a power of two, at most <see cref="MaxReduceGroup"/>); all threads get the result.</summary>
    private static float GroupSum(float v, ArrayView<float> sh)
    {
        int t = Group.IdxX;
        sh[t] = v;
        Group.Barrier();
        for (int s = Group.DimX / 2; s > 0; s >>= 1)
        {
            if (t < s) sh[t] += sh[t + s];
            Group.Barrier();
        }
        float r = sh[0];
        Group.Barrier();
        return r;
    }

    /// <summary>Max over the group (same contract as <see cref="GroupSum"/>).</summary>
    private static float GroupMax(float v, ArrayView<float> sh)
    {
        int t = Group.IdxX;
        sh[t] = v;
        Group.Barrier();
        for (int s = Group.DimX / 2; s > 0; s >>= 1)
        {
            if (t < s) sh[t] = XMath.Max(sh[t], sh[t + s]);
            Group.Barrier();
        }
        float r = sh[0];
        Group.Barrier();
        return r;
    }
}
