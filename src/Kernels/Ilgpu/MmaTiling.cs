using ILGPU;
using ILGPU.Runtime;

namespace NativeTV.Kernels.Ilgpu;

/// <summary>
/// The block tiling of the tensor-core GEMM: a group of WarpsM x WarpsN warps computes a
/// (WarpsM FragsM 16) x (WarpsN FragsN 8) tile of C, each warp FragsM x FragsN m16n8 fragments.
/// A struct type parameter, so the sizes are constants in the compiled kernel.
/// </summary>
public interface IMmaTiling
{
    int WarpsM { get; }
    int WarpsN { get; }
    int FragsM { get; }
    int FragsN { get; }
}

/// <summary>On CUDA: 4 warps, 128 x 128 tiles (each warp 64 x 64: 4 x 8 fragments, 128 accumulators a lane).</summary>
public struct GpuMmaTiling : IMmaTiling
{
    public readonly int WarpsM => 2;
    public readonly int WarpsN => 2;
    public readonly int FragsM => 4;
    public readonly int FragsN => 8;
}

/// <summary>On the simulator: 2 warps, 32 x 16 tiles (each warp 16 x 16: 1 x 2 fragments), small enough for tests' odd shapes to cover edges.</summary>
public struct SimMmaTiling : IMmaTiling
{
    public readonly int WarpsM => 2;
    public readonly int WarpsN => 1;
    public readonly int FragsM => 1;
    public readonly int FragsN => 2;
}

public static class MmaTilings
{
    /// <summary>Depth of one shared-memory stage (two k16 steps).</summary>
    public const int DepthK = 32;

    /// <summary>Row stride of a shared tile in packed pairs: DepthK / 2 plus 4 so a fragment load's 32 lanes hit 32 banks.</summary>
    public const int PairStride = DepthK / 2 + 4;

    /// <summary>Upper bounds of FragsM FragsN 4 and FragsM 4 (local arrays need constant sizes).</summary>
    public const int MaxAccumulators = 128, MaxAFragments = 16;

    public static int BlockM<T>() where T : unmanaged, IMmaTiling => default(T).WarpsM * default(T).FragsM * 16;
    public static int BlockN<T>() where T : unmanaged, IMmaTiling => default(T).WarpsN * default(T).FragsN * 8;
    public static int Threads<T>() where T : unmanaged, IMmaTiling => default(T).WarpsM * default(T).WarpsN * 32;

    /// <summary>The launch of a C [M, N]: one group per block tile, two shared stages of both tiles.</summary>
    public static KernelConfig Launch<T>(int m, int n) where T : unmanaged, IMmaTiling
    {
        int bm = BlockM<T>(), bn = BlockN<T>();
        var grid = new Index2D((n + bn - 1) / bn, (m + bm - 1) / bm);
        return new KernelConfig(grid, new Index2D(Threads<T>(), 1), SharedMemoryConfig.RequestDynamic<uint>(2 * (bm + bn) * PairStride));
    }
}
