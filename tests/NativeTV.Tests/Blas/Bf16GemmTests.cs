using NativeTV.Kernels;
using NativeTV.Kernels.Cpu;

namespace NativeTV.Tests.Blas;

/// <summary>
/// oneDNN's bf16 matmul against a float64 product of the same bf16-rounded operands (so only its float32
/// accumulation may differ), on odd shapes beyond any register tile, both layouts of B; and the rounding itself.
/// Skipped where libdnnl2 is not installed.
/// </summary>
public class Bf16GemmTests
{
    [SetUp]
    public void NeedsOneDnn()
    {
        if (!Bf16Gemm.Available) Assert.Ignore("oneDNN (libdnnl.so.2) is not installed: apt-get install libdnnl2");
    }

    [TestCase(1, 1, 1, true)]
    [TestCase(37, 53, 71, true)]
    [TestCase(37, 53, 71, false)]
    [TestCase(130, 67, 259, true)]
    [TestCase(5, 300, 33, false)]
    public void MatchesTheDoubleProductOfTheRoundedOperands(int m, int n, int k, bool transB)
    {
        var rng = new Random(m * 1000 + n + k);
        float[] a = Enumerable.Range(0, m * k).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        ushort[] ab = new ushort[a.Length], bb = new ushort[b.Length];
        Bf16Gemm.Round(a, ab);
        Bf16Gemm.Round(b, bb);
        var c = new float[m * n];
        using var gemm = new Bf16Gemm();
        gemm.Multiply(m, n, k, ab, bb, transB, c);
        TestContext.Out.WriteLine($"{Bf16Gemm.Version}, {gemm.Implementation(m, n, k, transB)}");
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double t = (double)DTypes.BF16ToFloat(ab[i * k + p]) * DTypes.BF16ToFloat(bb[transB ? j * k + p : p * n + j]);
                    sum += t;
                    magnitude += Math.Abs(t);
                }
                // float32 accumulation of exact bf16 products: far below 1e-5 of their magnitude; a bf16 rounding of C or a dropped term is not.
                Assert.That(Math.Abs(c[i * n + j] - sum), Is.LessThanOrEqualTo(1e-5 * magnitude + 1e-7), $"C[{i},{j}] ({m}x{n}x{k}, transB {transB})");
            }
    }

    [Test]
    public void RoundingIsToNearestEvenLikeTheScalarCast()
    {
        var rng = new Random(5);
        var x = Enumerable.Range(0, 1001).Select(i => i switch
        {
            0 => float.NaN, 1 => float.PositiveInfinity, 2 => float.NegativeInfinity, 3 => -0f, 4 => float.MaxValue, 5 => float.Epsilon,
            6 => BitConverter.UInt32BitsToSingle(0x3F808000), // a tie: rounds to the even 0x3F80
            7 => BitConverter.UInt32BitsToSingle(0x3F818000), // a tie: rounds up to the even 0x3F82
            _ => (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-30, 30))),
        }).ToArray();
        var y = new ushort[x.Length];
        Bf16Gemm.Round(x, y);
        Assert.That(y, Is.EqualTo(x.Select(DTypes.FloatToBF16).ToArray()));
        Assert.That((y[6], y[7]), Is.EqualTo(((ushort)0x3F80, (ushort)0x3F82)));
    }

    [Test]
    public void ShortOperandsAreRefusedByName()
    {
        using var gemm = new Bf16Gemm();
        var e = Assert.Throws<ArgumentException>(() => gemm.Multiply(4, 4, 4, new ushort[15], new ushort[16], true, new float[16]));
        Assert.That(e!.Message, Does.StartWith("A holds 15 values, fewer than 4 x 4"));
    }
}
