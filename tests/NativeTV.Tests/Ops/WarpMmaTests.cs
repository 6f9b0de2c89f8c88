using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using NativeTV.Kernels;
using NativeTV.Kernels.Ilgpu;

namespace NativeTV.Tests.Ops;

/// <summary>
/// <see cref="WarpMma"/> against a direct 16x8x16 product, with the fragments built here from PTX's documented
/// layout of mma.m16n8k16.row.col: on the simulator this checks the software MMA, on cuda the instruction itself
/// (so both agree on the layout the GEMM kernel relies on). Also the 16-bit roundings against .NET's.
/// </summary>
[TestFixtureSource(typeof(TensorCoreGemmTests), nameof(TensorCoreGemmTests.Devices))]
public class WarpMmaTests(string device)
{
    /// <summary>One warp: lane 4g + t builds its fragments from A [16][16], B [16][8] (k-major) and C [16][8], runs the MMA, writes D over C.</summary>
    private static void MmaKernel<TOp>(ArrayView<uint> a, ArrayView<uint> b, ArrayView<float> c) where TOp : unmanaged, IMmaOperand
    {
        int lane = Group.IdxX, g = lane >> 2, t = lane & 3;
        int k0 = 2 * t, k8 = 2 * t + 8;
        uint a0 = a[g * 16 + k0] | (a[g * 16 + k0 + 1] << 16), a1 = a[(g + 8) * 16 + k0] | (a[(g + 8) * 16 + k0 + 1] << 16);
        uint a2 = a[g * 16 + k8] | (a[g * 16 + k8 + 1] << 16), a3 = a[(g + 8) * 16 + k8] | (a[(g + 8) * 16 + k8 + 1] << 16);
        uint b0 = b[k0 * 8 + g] | (b[(k0 + 1) * 8 + g] << 16), b1 = b[k8 * 8 + g] | (b[(k8 + 1) * 8 + g] << 16);
        int r0 = g * 8 + 2 * t, r8 = (g + 8) * 8 + 2 * t;
        float c0 = c[r0], c1 = c[r0 + 1], c2 = c[r8], c3 = c[r8 + 1];
        WarpMma.Mma<TOp>(ref c0, ref c1, ref c2, ref c3, a0, a1, a2, a3, b0, b1);
        c[r0] = c0; c[r0 + 1] = c1; c[r8] = c2; c[r8 + 1] = c3;
    }

    [TestCase(DType.BF16)]
    [TestCase(DType.F16)]
    public void FragmentLayoutMatchesDirectProduct(DType dt)
    {
        using var ctx = device == "ilgpu-cpu" ? Context.Create(x => x.CPU(new CPUDevice(32, 1, 1))) : Context.Create(x => x.Cuda());
        using var acc = device == "ilgpu-cpu" ? (Accelerator)ctx.CreateCPUAccelerator(0) : ctx.CreateCudaAccelerator(0);
        var rng = new Random(dt == DType.BF16 ? 1 : 2);
        float[] a = TestData.Normal(rng, 16 * 16), b = TestData.Normal(rng, 16 * 8), c = TestData.Normal(rng, 16 * 8);
        uint Bits(float f) => dt == DType.BF16 ? DTypes.FloatToBF16(f) : DTypes.FloatToF16(f);
        using var ab = acc.Allocate1D(a.Select(Bits).ToArray());
        using var bb = acc.Allocate1D(b.Select(Bits).ToArray());
        using var cb = acc.Allocate1D(c);
        var config = new KernelConfig(1, 32);
        if (dt == DType.BF16) acc.LoadStreamKernel<ArrayView<uint>, ArrayView<uint>, ArrayView<float>>(MmaKernel<Bf16Operand>)(config, ab.View, bb.View, cb.View);
        else acc.LoadStreamKernel<ArrayView<uint>, ArrayView<uint>, ArrayView<float>>(MmaKernel<F16Operand>)(config, ab.View, bb.View, cb.View);
        acc.Synchronize();
        var d = cb.GetAsArray1D();

        var expected = new double[16 * 8];
        for (int i = 0; i < 16; i++)
            for (int j = 0; j < 8; j++)
            {
                double s = c[i * 8 + j];
                for (int k = 0; k < 16; k++) s += (double)dt.RoundTo(a[i * 16 + k]) * dt.RoundTo(b[k * 8 + j]);
                expected[i * 8 + j] = s;
            }
        Assert.That(TestData.RelMaxError(d, expected), Is.LessThan(1e-6));
    }

    [Test]
    public void RoundingMatchesDotNet()
    {
        var rng = new Random(9);
        var values = new List<float> { 0f, -0f, 65504f, 65519.99f, 65520f, -65520f, 1e-8f, 2.98e-8f, 2.9802322e-8f, 5.96e-8f, 6.1e-5f, 6.103515625e-05f,
            float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.Epsilon, 1f + 1f / 2048, 1f + 3f / 2048, 1f + 1f / 256, 1f + 3f / 256 };
        for (int i = 0; i < 200000; i++)
            values.Add(BitConverter.Int32BitsToSingle(rng.Next(int.MinValue, int.MaxValue))); // every exponent, NaNs included
        for (int i = 0; i < 200000; i++) values.Add((float)((rng.NextDouble() * 2 - 1) * Math.Pow(2, rng.Next(-30, 18))));
        foreach (float f in values)
        {
            uint bf = default(Bf16Operand).Round(f), h = default(F16Operand).Round(f);
            if (float.IsNaN(f))
            {
                Assert.That(float.IsNaN(default(Bf16Operand).Widen(bf)) && float.IsNaN(default(F16Operand).Widen(h)), $"NaN {f}");
                continue;
            }
            Assert.That(bf, Is.EqualTo((uint)DTypes.FloatToBF16(f)), $"bf16 of {f:R}");
            Assert.That(h, Is.EqualTo((uint)DTypes.FloatToF16(f)), $"f16 of {f:R}");
            Assert.That(default(F16Operand).Widen(h), Is.EqualTo((float)(System.Half)f), $"f16 widen of {f:R}");
        }
    }
}
