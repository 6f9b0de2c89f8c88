using NativeTV.Kernels;
using NativeTV.Kernels.Cpu;
using NativeTV.Kernels.Ilgpu;

namespace NativeTV.Tests.Ops;

/// <summary>How a backend's precision is chosen and refused.</summary>
public class PrecisionTests
{
    /// <summary>Runs only where oneDNN is absent: the backend is then refused, never silently float32.</summary>
    [Test]
    public void Bf16OnCpuWithoutOneDnnNamesTheLibrary()
    {
        if (Bf16Gemm.Available) Assert.Ignore("oneDNN is installed here");
        var e = Assert.Throws<ArgumentException>(() => BackendFactory.Create("cpu", Precision.BF16).Dispose());
        Assert.That(e!.Message, Does.StartWith("--precision bf16 on --device cpu needs oneDNN").And.Contain("apt-get install libdnnl2"));
    }

    [Test]
    public void Bf16OnCpuShowsInTheDescription()
    {
        if (!Bf16Gemm.Available) Assert.Ignore("oneDNN (libdnnl.so.2) is not installed: apt-get install libdnnl2");
        using (var f32 = BackendFactory.Create("cpu"))
        {
            Assert.That(f32.Precision, Is.EqualTo(Precision.F32));
            Assert.That(f32.DeviceDescription, Does.Contain("f32 matmuls"));
        }
        using var bf16 = BackendFactory.Create("cpu", Precision.BF16);
        Assert.That(bf16.Precision, Is.EqualTo(Precision.BF16));
        Assert.That(bf16.DeviceDescription, Does.Contain("bf16 matmuls via oneDNN"));
    }

    [Test]
    public void ExplicitPrecisionWinsOverTheEnvironmentAndShowsInTheDescription()
    {
        // The test run sets NATIVETV_PRECISION=f32 (PrecisionSetup).
        using (var f32 = BackendFactory.Create("ilgpu-cpu"))
            Assert.That(((IlgpuBackend)BackendDecorator.Undecorated(f32)).Precision, Is.EqualTo(Precision.F32));
        using var bf16 = BackendFactory.Create("ilgpu-cpu", Precision.BF16);
        Assert.That(((IlgpuBackend)BackendDecorator.Undecorated(bf16)).Precision, Is.EqualTo(Precision.BF16));
        Assert.That(bf16.DeviceDescription, Does.Contain("bf16 precision: tensor-core matmuls"));
    }

    [Test]
    public void BadPrecisionNamesTheOption() =>
        Assert.That(Assert.Throws<ArgumentException>(() => Precisions.Parse("fp8", "NATIVETV_PRECISION"))!.Message,
            Does.StartWith("NATIVETV_PRECISION: unknown precision 'fp8'"));
}
