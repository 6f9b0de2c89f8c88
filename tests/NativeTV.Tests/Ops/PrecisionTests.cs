using NativeTV.Kernels;
using NativeTV.Kernels.Ilgpu;

namespace NativeTV.Tests.Ops;

/// <summary>How a backend's precision is chosen and refused.</summary>
public class PrecisionTests
{
    [Test]
    public void Bf16OnCpuIsRefusedWithTheOption()
    {
        var e = Assert.Throws<ArgumentException>(() => BackendFactory.Create("cpu", Precision.BF16).Dispose());
        Assert.That(e!.Message, Does.StartWith("--precision bf16 is not available on --device cpu"));
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
