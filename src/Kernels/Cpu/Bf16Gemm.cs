using System.Numerics;
using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Cpu;

/// <summary>
/// C[M,N] = A[M,K] op(B) with bfloat16 operands, float32 accumulation and float32 C, through oneDNN's matmul
/// (Debian: libdnnl2), which runs AVX512-BF16 or AMX-BF16 kernels where the CPU has them. op(B) = B^T with B
/// stored [N,K] (as the model stores a weight), else B stored [K,N]. One primitive per shape, made on first use.
/// Measured on a 2-core Zen 4 at about twice OpenBLAS's float32 sgemm (README, CPU backend). Not thread-safe.
/// </summary>
public sealed unsafe class Bf16Gemm : IDisposable
{
    private readonly nint _engine, _stream;
    private readonly Dictionary<(int M, int N, int K, bool TransB), Shape> _shapes = [];

    private sealed record Shape(nint Primitive, byte[] A, byte[] B, byte[] C, string Implementation);

    /// <summary>Whether oneDNN can be loaded, without throwing.</summary>
    public static bool Available => OneDnn.LoadError.Value is null;

    public Bf16Gemm()
    {
        if (OneDnn.LoadError.Value is { } err)
            throw new InvalidOperationException($"the cpu bf16 GEMM needs oneDNN ({OneDnn.Lib}: {err}); install it with `apt-get install libdnnl2`");
        nint e, s;
        OneDnn.Check(OneDnn.EngineCreate(&e, OneDnn.CpuEngine, 0), "engine_create");
        _engine = e;
        OneDnn.Check(OneDnn.StreamCreate(&s, _engine, OneDnn.StreamInOrder), "stream_create");
        _stream = s;
    }

    /// <summary>The library's version, e.g. "oneDNN 2.6.3".</summary>
    public static string Version
    {
        get
        {
            var v = OneDnn.GetVersion();
            return $"oneDNN {v->Major}.{v->Minor}.{v->Patch}";
        }
    }

    /// <summary>The kernel oneDNN picked for a shape, e.g. "brg:avx512_core_bf16" (a "ref" one means no bf16 unit is used).</summary>
    public string Implementation(int m, int n, int k, bool transB) => Get(m, n, k, transB).Implementation;

    /// <summary>C = A op(B); A [m,k], B [n,k] when <paramref name="transB"/> else [k,n], C [m,n], all row-major and dense.</summary>
    public void Multiply(int m, int n, int k, ReadOnlySpan<ushort> a, ReadOnlySpan<ushort> b, bool transB, Span<float> c)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (a.Length < (long)m * k) throw new ArgumentException($"A holds {a.Length} values, fewer than {m} x {k}", nameof(a));
        if (b.Length < (long)k * n) throw new ArgumentException($"B holds {b.Length} values, fewer than {k} x {n}", nameof(b));
        if (c.Length < (long)m * n) throw new ArgumentException($"C holds {c.Length} values, fewer than {m} x {n}", nameof(c));
        var s = Get(m, n, k, transB);
        nint am = 0, bm = 0, cm = 0;
        try
        {
            fixed (ushort* pa = a) fixed (ushort* pb = b) fixed (float* pc = c)
            fixed (byte* da = s.A, db = s.B, dc = s.C)
            {
                OneDnn.Check(OneDnn.MemoryCreate(&am, da, _engine, pa), "memory_create");
                OneDnn.Check(OneDnn.MemoryCreate(&bm, db, _engine, pb), "memory_create");
                OneDnn.Check(OneDnn.MemoryCreate(&cm, dc, _engine, pc), "memory_create");
                var args = stackalloc OneDnn.ExecArg[3];
                args[0] = new() { Arg = OneDnn.ArgSrc, Memory = am };
                args[1] = new() { Arg = OneDnn.ArgWeights, Memory = bm };
                args[2] = new() { Arg = OneDnn.ArgDst, Memory = cm };
                OneDnn.Check(OneDnn.PrimitiveExecute(s.Primitive, _stream, 3, args), "primitive_execute");
                OneDnn.Check(OneDnn.StreamWait(_stream), "stream_wait");
            }
        }
        finally
        {
            foreach (var mem in new[] { am, bm, cm }) if (mem != 0) OneDnn.MemoryDestroy(mem);
        }
    }

    /// <summary>x rounded to bfloat16, to nearest even as <see cref="DTypes.FloatToBF16"/> (NaN stays NaN).</summary>
    public static void Round(ReadOnlySpan<float> x, Span<ushort> bf16)
    {
        if (bf16.Length < x.Length) throw new ArgumentException($"the bf16 span holds {bf16.Length} values, fewer than {x.Length}", nameof(bf16));
        var u = MemoryMarshal.Cast<float, uint>(x);
        int i = 0, w = Vector<uint>.Count;
        for (; i + 2 * w <= u.Length; i += 2 * w)
            Vector.Narrow(Rounded(new Vector<uint>(u.Slice(i, w))), Rounded(new Vector<uint>(u.Slice(i + w, w)))).CopyTo(bf16.Slice(i, 2 * w));
        for (; i < x.Length; i++) bf16[i] = DTypes.FloatToBF16(x[i]);
    }

    private static Vector<uint> Rounded(Vector<uint> bits)
    {
        var r = (bits + new Vector<uint>(0x7FFF) + ((bits >> 16) & Vector<uint>.One)) >> 16;
        var isNan = Vector.GreaterThan(bits & new Vector<uint>(0x7FFFFFFF), new Vector<uint>(0x7F800000));
        return Vector.ConditionalSelect(isNan, new Vector<uint>(0x7FC0), r);
    }

    private Shape Get(int m, int n, int k, bool transB)
    {
        if (_shapes.TryGetValue((m, n, k, transB), out var s)) return s;
        byte[] a = new byte[OneDnn.DescBytes], b = new byte[OneDnn.DescBytes], c = new byte[OneDnn.DescBytes], op = new byte[OneDnn.DescBytes];
        nint pd = 0, prim = 0;
        string impl;
        fixed (byte* da = a, db = b, dc = c, dop = op)
        {
            long* dims = stackalloc long[2];
            (dims[0], dims[1]) = (m, k);
            OneDnn.Check(OneDnn.MemoryDescInitByTag(da, 2, dims, OneDnn.Bf16, OneDnn.TagAb), "memory_desc_init_by_tag");
            (dims[0], dims[1]) = (k, n);
            OneDnn.Check(OneDnn.MemoryDescInitByTag(db, 2, dims, OneDnn.Bf16, transB ? OneDnn.TagBa : OneDnn.TagAb), "memory_desc_init_by_tag");
            (dims[0], dims[1]) = (m, n);
            OneDnn.Check(OneDnn.MemoryDescInitByTag(dc, 2, dims, OneDnn.F32, OneDnn.TagAb), "memory_desc_init_by_tag");
            OneDnn.Check(OneDnn.MatmulDescInit(dop, da, db, null, dc), "matmul_desc_init");
            OneDnn.Check(OneDnn.PrimitiveDescCreate(&pd, dop, 0, _engine, 0), "primitive_desc_create");
            try
            {
                byte* info = null;
                OneDnn.Check(OneDnn.PrimitiveDescQuery(pd, OneDnn.ImplInfoQuery, 0, &info), "primitive_desc_query");
                impl = Marshal.PtrToStringUTF8((nint)info) ?? "";
                OneDnn.Check(OneDnn.PrimitiveCreate(&prim, pd), "primitive_create");
            }
            finally { OneDnn.PrimitiveDescDestroy(pd); }
        }
        return _shapes[(m, n, k, transB)] = new Shape(prim, a, b, c, impl);
    }

    public void Dispose()
    {
        foreach (var s in _shapes.Values) OneDnn.PrimitiveDestroy(s.Primitive);
        _shapes.Clear();
        OneDnn.StreamDestroy(_stream);
        OneDnn.EngineDestroy(_engine);
    }
}
