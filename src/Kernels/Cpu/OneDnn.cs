using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Cpu;

/// <summary>
/// P/Invoke to the part of oneDNN 2.x's C API (Debian: libdnnl2) that a matmul needs. Descriptors are C structs
/// passed by pointer; callers give them <see cref="DescBytes"/>-byte buffers (2.6's are 696 and 2,800 bytes).
/// </summary>
internal static unsafe partial class OneDnn
{
    public const string Lib = "libdnnl.so.2";
    public const int DescBytes = 4096;
    public const int Success = 0, CpuEngine = 1, StreamInOrder = 1, ImplInfoQuery = 8;
    public const int Bf16 = 2, F32 = 3, TagAb = 3, TagBa = 22;
    public const int ArgSrc = 1, ArgDst = 17, ArgWeights = 33;

    [StructLayout(LayoutKind.Sequential)]
    public struct ExecArg { public int Arg; public nint Memory; }

    [StructLayout(LayoutKind.Sequential)]
    public struct Version { public int Major, Minor, Patch; public byte* Hash; public uint CpuRuntime, GpuRuntime; }

    [LibraryImport(Lib, EntryPoint = "dnnl_version")] public static partial Version* GetVersion();
    [LibraryImport(Lib, EntryPoint = "dnnl_engine_create")] public static partial int EngineCreate(nint* engine, int kind, nuint index);
    [LibraryImport(Lib, EntryPoint = "dnnl_engine_destroy")] public static partial int EngineDestroy(nint engine);
    [LibraryImport(Lib, EntryPoint = "dnnl_stream_create")] public static partial int StreamCreate(nint* stream, nint engine, uint flags);
    [LibraryImport(Lib, EntryPoint = "dnnl_stream_wait")] public static partial int StreamWait(nint stream);
    [LibraryImport(Lib, EntryPoint = "dnnl_stream_destroy")] public static partial int StreamDestroy(nint stream);
    [LibraryImport(Lib, EntryPoint = "dnnl_memory_desc_init_by_tag")] public static partial int MemoryDescInitByTag(byte* desc, int ndims, long* dims, int dataType, int tag);
    [LibraryImport(Lib, EntryPoint = "dnnl_matmul_desc_init")] public static partial int MatmulDescInit(byte* desc, byte* src, byte* weights, byte* bias, byte* dst);
    [LibraryImport(Lib, EntryPoint = "dnnl_primitive_desc_create")] public static partial int PrimitiveDescCreate(nint* pd, byte* opDesc, nint attr, nint engine, nint hint);
    [LibraryImport(Lib, EntryPoint = "dnnl_primitive_desc_query")] public static partial int PrimitiveDescQuery(nint pd, int what, int index, void* result);
    [LibraryImport(Lib, EntryPoint = "dnnl_primitive_desc_destroy")] public static partial int PrimitiveDescDestroy(nint pd);
    [LibraryImport(Lib, EntryPoint = "dnnl_primitive_create")] public static partial int PrimitiveCreate(nint* primitive, nint pd);
    [LibraryImport(Lib, EntryPoint = "dnnl_primitive_execute")] public static partial int PrimitiveExecute(nint primitive, nint stream, int nargs, ExecArg* args);
    [LibraryImport(Lib, EntryPoint = "dnnl_primitive_destroy")] public static partial int PrimitiveDestroy(nint primitive);
    [LibraryImport(Lib, EntryPoint = "dnnl_memory_create")] public static partial int MemoryCreate(nint* memory, byte* desc, nint engine, void* handle);
    [LibraryImport(Lib, EntryPoint = "dnnl_memory_destroy")] public static partial int MemoryDestroy(nint memory);

    /// <summary>Null when the library loads, else why not.</summary>
    public static readonly Lazy<string?> LoadError = new(() =>
    {
        // Its OpenMP threads otherwise spin between calls, and in a .NET process on 2 busy cores a call of
        // 37x53x71 then took 27 ms instead of microseconds; read only as libgomp loads. A user's value wins.
        NativeEnvironment.SetDefault("OMP_WAIT_POLICY", "passive");
        try { return NativeLibrary.TryLoad(Lib, typeof(OneDnn).Assembly, null, out _) ? null : "not found"; }
        catch (Exception e) { return e.Message; }
    });

    /// <summary>Throws with the call's name when oneDNN reports a failure (its status codes: 1 out of memory, 2 invalid arguments, 3 unimplemented).</summary>
    public static void Check(int status, string call)
    {
        if (status != Success) throw new InvalidOperationException($"oneDNN {call} failed with status {status}");
    }
}
