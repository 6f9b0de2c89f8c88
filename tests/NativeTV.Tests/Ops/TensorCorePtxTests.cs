using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using NativeTV.Kernels.Ilgpu;

namespace NativeTV.Tests.Ops;

/// <summary>
/// The tensor-core GEMM compiled by ILGPU's PTX backend for an H100/H200 (sm_90), without a GPU: ILGPU accepts
/// the inline PTX and the kernel carries the MMA instruction of its operand type (what ptxas then assembles on a GPU).
/// </summary>
public class TensorCorePtxTests
{
    private static string Ptx<TB, TOp>() where TB : unmanaged, IWeightElem where TOp : unmanaged, IMmaOperand
    {
        using var ctx = Context.Create(b => b.Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(ctx, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null);
        Action<ArrayView<float>, ArrayView<TB>, MatV, GemmArgs> kernel = IlgpuBackend.TensorCoreGemmKernel<TB, TOp, GpuMmaTiling>;
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(kernel.Method);
        return ((PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty)).PTXAssembly;
    }

    [Test]
    public void Bf16KernelCarriesTheBf16Mma()
    {
        var ptx = Ptx<BF16Elem, Bf16Operand>();
        Assert.That(ptx, Does.Contain("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"));
    }

    [Test]
    public void F16KernelCarriesTheF16Mma() =>
        Assert.That(Ptx<F16Elem, F16Operand>(), Does.Contain("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32"));
}
