using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Native;

/// <summary>
/// The few cuBLASLt entry points a GEMM needs (cublasLt.h), bound at run time from libcublasLt so that
/// NativeTV builds and runs without CUDA; the C API is the same in CUDA 12 and 13.
/// </summary>
internal sealed unsafe class CublasLt
{
    // Enum values of cublasLt.h / library_types.h.
    public const int ComputeF32 = 68, OpN = 0, OpT = 1;
    public const int DescTransA = 3, DescTransB = 4, PrefMaxWorkspaceBytes = 1;
    public const int R32F = 0, R16F = 2, R16BF = 14;

    /// <summary>cublasLtMatmulHeuristicResult_t: the opaque algo (8 x uint64), its workspace size, status, waves and 4 reserved ints.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct HeuristicResult
    {
        public fixed ulong Algo[8];
        public nuint WorkspaceSize;
        public int State;
        public float WavesCount;
        public fixed int Reserved[4];
    }

    public readonly delegate* unmanaged<IntPtr*, int> Create;
    public readonly delegate* unmanaged<IntPtr, int> Destroy;
    public readonly delegate* unmanaged<IntPtr*, int, int, int> MatmulDescCreate;
    public readonly delegate* unmanaged<IntPtr, int> MatmulDescDestroy;
    public readonly delegate* unmanaged<IntPtr, int, void*, nuint, int> MatmulDescSetAttribute;
    public readonly delegate* unmanaged<IntPtr*, int, ulong, ulong, long, int> MatrixLayoutCreate;
    public readonly delegate* unmanaged<IntPtr, int> MatrixLayoutDestroy;
    public readonly delegate* unmanaged<IntPtr*, int> MatmulPreferenceCreate;
    public readonly delegate* unmanaged<IntPtr, int> MatmulPreferenceDestroy;
    public readonly delegate* unmanaged<IntPtr, int, void*, nuint, int> MatmulPreferenceSetAttribute;
    public readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, HeuristicResult*, int*, int> MatmulAlgoGetHeuristic;
    public readonly delegate* unmanaged<IntPtr, IntPtr, void*, IntPtr, IntPtr, IntPtr, IntPtr, void*, IntPtr, IntPtr, IntPtr, IntPtr, ulong*, IntPtr, nuint, IntPtr, int> Matmul;
    private readonly delegate* unmanaged<int, byte*> _statusString;

    private static CublasLt? _loaded;

    /// <summary>The library, loaded once per process; throws one line when it is absent.</summary>
    public static CublasLt Instance => _loaded ??= new CublasLt(CudaLibraries.Load("cuBLASLt", ["libcublasLt.so.13", "libcublasLt.so.12"], "cublas"));

    private CublasLt(IntPtr lib)
    {
        IntPtr F(string name) => NativeLibrary.GetExport(lib, name);
        Create = (delegate* unmanaged<IntPtr*, int>)F("cublasLtCreate");
        Destroy = (delegate* unmanaged<IntPtr, int>)F("cublasLtDestroy");
        MatmulDescCreate = (delegate* unmanaged<IntPtr*, int, int, int>)F("cublasLtMatmulDescCreate");
        MatmulDescDestroy = (delegate* unmanaged<IntPtr, int>)F("cublasLtMatmulDescDestroy");
        MatmulDescSetAttribute = (delegate* unmanaged<IntPtr, int, void*, nuint, int>)F("cublasLtMatmulDescSetAttribute");
        MatrixLayoutCreate = (delegate* unmanaged<IntPtr*, int, ulong, ulong, long, int>)F("cublasLtMatrixLayoutCreate");
        MatrixLayoutDestroy = (delegate* unmanaged<IntPtr, int>)F("cublasLtMatrixLayoutDestroy");
        MatmulPreferenceCreate = (delegate* unmanaged<IntPtr*, int>)F("cublasLtMatmulPreferenceCreate");
        MatmulPreferenceDestroy = (delegate* unmanaged<IntPtr, int>)F("cublasLtMatmulPreferenceDestroy");
        MatmulPreferenceSetAttribute = (delegate* unmanaged<IntPtr, int, void*, nuint, int>)F("cublasLtMatmulPreferenceSetAttribute");
        MatmulAlgoGetHeuristic = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int, HeuristicResult*, int*, int>)F("cublasLtMatmulAlgoGetHeuristic");
        Matmul = (delegate* unmanaged<IntPtr, IntPtr, void*, IntPtr, IntPtr, IntPtr, IntPtr, void*, IntPtr, IntPtr, IntPtr, IntPtr, ulong*, IntPtr, nuint, IntPtr, int>)F("cublasLtMatmul");
        _statusString = (delegate* unmanaged<int, byte*>)F("cublasLtGetStatusString");
    }

    /// <summary>Throws on a non-zero cublasStatus_t, naming the call and cuBLAS's own name for the status.</summary>
    public void Check(int status, string call)
    {
        if (status != 0) throw new InvalidOperationException($"cuBLASLt {call} failed: {Marshal.PtrToStringAnsi((IntPtr)_statusString(status))} ({status})");
    }
}
