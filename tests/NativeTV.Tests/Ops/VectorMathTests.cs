using System.Numerics;
using NativeTV.Kernels.Cpu;

namespace NativeTV.Tests.Ops;

/// <summary>The CPU backend's own exp against Math.Exp in double, over the whole float range and its edges.</summary>
public class VectorMathTests
{
    [Test]
    public void ExpIsWithinTwoUlpOverTheNormalRange()
    {
        var rng = new Random(7);
        var x = Enumerable.Range(0, 200_003).Select(_ => (float)(rng.NextDouble() * 176 - 87.3)).Concat([0f, -0f, 1e-8f, -1e-8f, 88.7f, -87.3f]).ToArray();
        var y = (float[])x.Clone();
        VectorMath.ExpShifted(y, 0f);
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double e = Math.Exp(x[i]);
            worst = Math.Max(worst, Math.Abs(y[i] - e) / e);
        }
        Assert.That(worst, Is.LessThan(2.5e-7), "relative error (2 ulp is 2.4e-7)");
    }

    [Test]
    public void ExpEdges()
    {
        float[] x = [float.NegativeInfinity, -1000f, -88f, 89f, float.PositiveInfinity, float.NaN, 0f];
        var y = (float[])x.Clone();
        VectorMath.ExpShifted(y, 0f);
        Assert.That(y[0], Is.EqualTo(0f), "exp(-inf): masked attention scores must weigh exactly 0");
        Assert.That(y[1], Is.EqualTo(0f));
        Assert.That(y[2], Is.EqualTo(0f).Or.EqualTo((float)Math.Exp(-88)).Within(1e-39), "flushed or exact below 2^-126");
        Assert.That(y[3], Is.EqualTo(float.PositiveInfinity));
        Assert.That(y[4], Is.EqualTo(float.PositiveInfinity));
        Assert.That(float.IsNaN(y[5]), "NaN stays NaN");
        Assert.That(y[6], Is.EqualTo(1f));
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(37)]
    [TestCase(100_001)]
    public void ExpShiftedSumsOnlyRealElements(int n)
    {
        var rng = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() * 10 - 5).ToArray();
        var y = (float[])x.Clone();
        double sum = VectorMath.ExpShifted(y, 3f);
        double expected = x.Sum(v => Math.Exp(v - 3.0));
        Assert.That(sum, Is.EqualTo(expected).Within(3e-5).Percent, "the padding of the last partial vector must not count");
        Assert.That(TestData.RelMaxError(y, x.Select(v => Math.Exp(v - 3.0)).ToArray()), Is.LessThan(1e-6));
    }

    [Test]
    public void SigmoidSaturatesWithoutNaN()
    {
        var s = VectorMath.Sigmoid(new Vector<float>(-200f));
        var t = VectorMath.Sigmoid(new Vector<float>(200f));
        Assert.That(s[0], Is.EqualTo(0f));
        Assert.That(t[0], Is.EqualTo(1f));
        Assert.That(VectorMath.Sigmoid(new Vector<float>(0.5f))[0], Is.EqualTo(1 / (1 + Math.Exp(-0.5))).Within(1e-7));
    }
}
