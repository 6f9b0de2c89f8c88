using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Native;

/// <summary>
/// NVTX ranges, so that Nsight Systems shows NativeTV's op and model-stage names over its kernels. Off
/// unless <see cref="Enable"/> is called (`--nvtx`, or NATIVETV_NVTX=1); a no-op where libnvToolsExt is
/// absent (CUDA 13 no longer ships it; CUDA 12 and the nvidia-nvtx wheel do).
/// </summary>
public static unsafe class Nvtx
{
    private static delegate* unmanaged<byte*, int> _push;
    private static delegate* unmanaged<int> _pop;
    /// <summary>Range names as C strings, made once each: op and stage names are a small fixed set.</summary>
    private static readonly Dictionary<string, IntPtr> Names = [];

    /// <summary>True once ranges are being recorded.</summary>
    public static bool Enabled { get; private set; }

    static Nvtx()
    {
        if (Environment.GetEnvironmentVariable("NATIVETV_NVTX") == "1") Enable();
    }

    /// <summary>Loads libnvToolsExt and turns ranges on; returns why not when it is absent (ranges stay off).</summary>
    public static string? Enable()
    {
        if (Enabled) return null;
        IntPtr lib;
        try { lib = CudaLibraries.Load("NVTX", ["libnvToolsExt.so.1"], "nvtx"); }
        catch (InvalidOperationException e) { return e.Message; }
        _push = (delegate* unmanaged<byte*, int>)NativeLibrary.GetExport(lib, "nvtxRangePushA");
        _pop = (delegate* unmanaged<int>)NativeLibrary.GetExport(lib, "nvtxRangePop");
        Enabled = true;
        return null;
    }

    /// <summary>A range from here to its Dispose (use with `using`).</summary>
    public static NvtxRange Range(string name)
    {
        if (!Enabled) return default;
        Push(name);
        return new NvtxRange(true);
    }

    internal static void Push(string name)
    {
        IntPtr p;
        lock (Names)
            if (!Names.TryGetValue(name, out p)) Names[name] = p = Marshal.StringToHGlobalAnsi(name);
        _push((byte*)p);
    }

    internal static void Pop() => _pop();
}

/// <summary>An open NVTX range (or nothing, when ranges are off): Dispose closes it.</summary>
public readonly struct NvtxRange(bool open) : IDisposable
{
    public void Dispose()
    {
        if (open) Nvtx.Pop();
    }
}
