using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Cpu;

/// <summary>
/// The fast CPU backend: GEMMs through OpenBLAS, every other op vectorised (TensorPrimitives) and
/// parallel over rows. Weights stay where the loader put them (a memory map): no copy. With
/// <see cref="Precision.BF16"/> the forward matmul and its input gradient run through oneDNN's bf16 GEMM
/// (<see cref="Bf16Gemm"/>); weight gradients and SAE ops stay float32.
/// </summary>
public sealed unsafe partial class CpuBackend : IBackend
{
    /// <summary>Null in f32; never silently absent in bf16 (the constructor throws without oneDNN).</summary>
    private readonly Bf16Gemm? _bf16;

    public CpuBackend(Precision precision = Precision.F32)
    {
        OpenBlas.EnsureLoaded();
        HeapTuning.KeepFreedMemory();
        if (precision != Precision.BF16) return;
        if (OneDnn.LoadError.Value is { } why)
            throw new ArgumentException($"--precision bf16 on --device cpu needs oneDNN ({OneDnn.Lib}: {why}); install it with `apt-get install libdnnl2`, or use --precision f32");
        _bf16 = new Bf16Gemm();
    }

    public string Name => "cpu";
    public string DeviceDescription => $"CPU, {Environment.ProcessorCount} cores, {BlasInfo.Current!}, " + (_bf16 is null ? "f32 matmuls"
        : $"bf16 matmuls via {Bf16Gemm.Version} ({_bf16.Implementation(64, 64, 64, true)} kernels; weight gradients and SAE ops f32)");
    public Precision Precision => _bf16 is null ? Precision.F32 : Precision.BF16;

    /// <summary>
    /// Threads of the GEMMs and of every parallel loop, process-wide as OpenBLAS has one pool; OpenBLAS
    /// starts with OPENBLAS_NUM_THREADS, else OMP_NUM_THREADS, else all cores. oneDNN's OpenMP threads (bf16)
    /// read OMP_NUM_THREADS as libgomp loads, so call this before creating a bf16 backend.
    /// </summary>
    public static void SetThreads(int n)
    {
        OpenBlas.EnsureLoaded();
        OpenBlas.Threads = n;
        NativeEnvironment.Set("OMP_NUM_THREADS", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public DeviceBuffer<float> Alloc(long length) => new CpuBuffer<float>(length);
    public DeviceBuffer<int> AllocInts(long length) => new CpuBuffer<int>(length);

    public void CopyToDevice<T>(ReadOnlySpan<T> src, DeviceBuffer<T> dst, long dstOffset = 0) where T : unmanaged
    {
        CheckRange(dst, dstOffset, src.Length);
        src.CopyTo(new Span<T>(((CpuBuffer<T>)dst).Ptr + dstOffset, src.Length));
    }

    public void CopyToHost<T>(DeviceBuffer<T> src, long srcOffset, Span<T> dst) where T : unmanaged
    {
        CheckRange(src, srcOffset, dst.Length);
        new ReadOnlySpan<T>(((CpuBuffer<T>)src).Ptr + srcOffset, dst.Length).CopyTo(dst);
    }

    private static void CheckRange<T>(DeviceBuffer<T> b, long offset, long count) where T : unmanaged
    {
        if (offset < 0 || offset + count > b.Length) throw new ArgumentOutOfRangeException(nameof(offset), $"range [{offset},{offset + count}) outside buffer of {b.Length}");
    }

    public void Synchronize() { }

    public DeviceWeight Upload(HostTensor t) => new CpuWeight(t);

    public void Dispose() => _bf16?.Dispose();

    private static float* P(Mat m) => ((CpuBuffer<float>)m.Buf).Ptr + m.Offset;
    private static float* RowPtr(Mat m, int r) => P(m) + (long)r * m.Ld;
    private static Span<float> Row(Mat m, int r) => new(RowPtr(m, r), m.Cols);
    private static int* P(DeviceBuffer<int> b) => ((CpuBuffer<int>)b).Ptr;
    private static float* P(DeviceBuffer<float> b) => ((CpuBuffer<float>)b).Ptr;

    /// <summary>
    /// Runs body(i) for i in [0, n) in parallel (at most <paramref name="threads"/> at once, by default the BLAS thread
    /// count), serially when the work is too small to split. Rows go out in 8 contiguous chunks per thread, taken as
    /// threads free up: one delegate call per row but one scheduling step per chunk, which at 2560 rows of 128 was
    /// most of an elementwise op's time.
    /// </summary>
    private static void ParallelRows(int n, long workPerRow, Action<int> body, int? threads = null)
    {
        int t = threads ?? OpenBlas.Threads;
        if (t == 1 || n == 1 || (long)n * workPerRow < 32_768) { for (int i = 0; i < n; i++) body(i); return; }
        int chunks = Math.Min(n, 8 * t);
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = t }, c =>
        {
            for (int i = (int)((long)n * c / chunks), end = (int)((long)n * (c + 1) / chunks); i < end; i++) body(i);
        });
    }
}

/// <summary>64-byte aligned native memory, zeroed.</summary>
public sealed unsafe class CpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    public T* Ptr { get; private set; }
    public CpuBuffer(long length) : base(length)
    {
        var bytes = (nuint)(Math.Max(length, 1) * sizeof(T));
        Ptr = (T*)NativeMemory.AlignedAlloc(bytes, 64);
        NativeMemory.Clear(Ptr, bytes);
    }
    public override void Dispose() { if (Ptr != null) { NativeMemory.AlignedFree(Ptr); Ptr = null; } GC.SuppressFinalize(this); }
    ~CpuBuffer() => Dispose();
}

/// <summary>A view of host weight memory (memory-mapped file) in its stored dtype.</summary>
public sealed unsafe class CpuWeight : DeviceWeight
{
    public HostTensor Host { get; }
    public byte* Ptr => (byte*)Host.Data;
    /// <summary>A view of parameters an optimiser updates in place (<see cref="CpuBackend.AsWeight"/>): never cached in another form.</summary>
    public bool Trainable { get; }
    /// <summary>The bf16 copy of an F32/F16 weight for bf16 matmuls, made on first use (see <see cref="CpuBackend"/>'s Bf16Weight).</summary>
    internal ushort[]? Bf16Copy { get; set; }
    public CpuWeight(HostTensor t, bool trainable = false) : base(t.Name, t.DType, t.Rows, t.Cols) => (Host, Trainable) = (t, trainable);
    public override void Dispose() { }

    /// <summary>Rows [r0, r0 + n) widened into <paramref name="dst"/> (n * Cols floats).</summary>
    public void WidenRows(int r0, int n, float* dst) => DTypes.Widen(DType, Ptr + (long)r0 * Cols * DType.Size(), dst, (long)n * Cols);
}
