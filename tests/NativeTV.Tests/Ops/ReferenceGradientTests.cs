using static NativeTV.Tests.Ops.ScalarReference;

namespace NativeTV.Tests.Ops;

/// <summary>
/// Each backward in <see cref="ScalarReference"/> against central finite differences of its forward:
/// for a random cotangent r, d(sum r . f(x)) / dx computed numerically, in double.
/// </summary>
public class ReferenceGradientTests
{
    private const double H = 1e-5, Tol = 1e-6;

    /// <summary>Numerical gradient of x -> sum(r * f(x)).</summary>
    private static double[] Numerical(double[] x, Func<double[], double[]> f, double[] r)
    {
        var g = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            var xp = (double[])x.Clone(); xp[i] += H;
            var xm = (double[])x.Clone(); xm[i] -= H;
            double fp = f(xp).Select((v, j) => v * r[j]).Sum(), fm = f(xm).Select((v, j) => v * r[j]).Sum();
            g[i] = (fp - fm) / (2 * H);
        }
        return g;
    }

    private static double[] Rand(Random rng, int n, double std = 1) => D(TestData.Normal(rng, n, std));

    [Test]
    public void MatMul()
    {
        var rng = new Random(1);
        int m = 3, k = 5, n = 4;
        double[] x = Rand(rng, m * k), w = Rand(rng, n * k), r = Rand(rng, m * n);
        Assert.That(TestData.RelMaxError(MatMulBackward(r, m, n, w, k), Numerical(x, xx => ScalarReference.MatMul(xx, m, k, w, n), r)), Is.LessThan(Tol));
    }

    [TestCase(0.0)]
    [TestCase(1.0)]
    public void RmsNorm(double offset)
    {
        var rng = new Random(2);
        int rows = 2, d = 7;
        double[] x = Rand(rng, rows * d, 2), w = Rand(rng, d), r = Rand(rng, rows * d);
        Assert.That(TestData.RelMaxError(RmsNormBackward(x, rows, d, w, 1e-6, offset, r), Numerical(x, xx => ScalarReference.RmsNorm(xx, rows, d, w, 1e-6, offset), r)), Is.LessThan(Tol));
    }

    [TestCase(0.0)]
    [TestCase(1.0)]
    public void RmsNormWeight(double offset)
    {
        var rng = new Random(12);
        int rows = 3, d = 5;
        double[] x = Rand(rng, rows * d, 2), w = Rand(rng, d), r = Rand(rng, rows * d);
        Assert.That(TestData.RelMaxError(RmsNormWeightGrad(x, rows, d, 1e-6, r), Numerical(w, ww => ScalarReference.RmsNorm(x, rows, d, ww, 1e-6, offset), r)), Is.LessThan(Tol));
    }

    [Test]
    public void Rope()
    {
        var rng = new Random(3);
        int rows = 3, heads = 2, hd = 6, rot = 4;
        int[] pos = [0, 2, 1];
        double[] x = Rand(rng, rows * heads * hd), cos = Rand(rng, 3 * rot / 2), sin = Rand(rng, 3 * rot / 2), r = Rand(rng, x.Length);
        Assert.That(TestData.RelMaxError(ScalarReference.Rope(r, rows, heads, hd, rot, pos, cos, sin, transpose: true),
            Numerical(x, xx => ScalarReference.Rope(xx, rows, heads, hd, rot, pos, cos, sin), r)), Is.LessThan(Tol));
    }

    [TestCase(4, 2, 0)]
    [TestCase(3, 1, 2)]
    public void Attention(int hq, int hkv, int window)
    {
        var rng = new Random(hq);
        int batch = 2, T = 4, hd = 3;
        var a = new AttentionArgs(batch, T, hq, hkv, hd, 0.7, window, [1, 1, 1, 1, 0, 1, 1, 1]);
        double[] q = Rand(rng, batch * T * hq * hd), k = Rand(rng, batch * T * hkv * hd), v = Rand(rng, k.Length), r = Rand(rng, q.Length);
        // Padded query rows carry no gradient: the cotangent is zero there, as in the model.
        for (int i = T * hq * hd; i < (T + 1) * hq * hd; i++) r[i] = 0;
        var (dq, dk, dv) = AttentionBackward(q, k, v, a, r);
        Assert.That(TestData.RelMaxError(dq, Numerical(q, x => ScalarReference.Attention(x, k, v, a).y, r)), Is.LessThan(Tol), "dq");
        Assert.That(TestData.RelMaxError(dk, Numerical(k, x => ScalarReference.Attention(q, x, v, a).y, r)), Is.LessThan(Tol), "dk");
        Assert.That(TestData.RelMaxError(dv, Numerical(v, x => ScalarReference.Attention(q, k, x, a).y, r)), Is.LessThan(Tol), "dv");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void GatedActivation(bool gelu)
    {
        var rng = new Random(4);
        double[] g = Rand(rng, 9, 2), u = Rand(rng, 9), r = Rand(rng, 9);
        var (dg, du) = GatedActivationBackward(g, u, gelu, r);
        Assert.That(TestData.RelMaxError(dg, Numerical(g, x => ScalarReference.GatedActivation(x, u, gelu), r)), Is.LessThan(Tol));
        Assert.That(TestData.RelMaxError(du, Numerical(u, x => ScalarReference.GatedActivation(g, x, gelu), r)), Is.LessThan(Tol));
    }

    [Test]
    public void CrossEntropy()
    {
        var rng = new Random(5);
        int rows = 3, vocab = 11;
        double[] z = Rand(rng, rows * vocab, 3), w = [0.5, 1, 0.25];
        int[] targets = [3, 10, 0];
        var (_, grad) = ScalarReference.CrossEntropy(z, rows, vocab, targets, w);
        var num = Numerical(z, x => [ScalarReference.CrossEntropy(x, rows, vocab, targets, w).nll.Select((l, i) => l * w[i]).Sum()], [1.0]);
        Assert.That(TestData.RelMaxError(grad, num), Is.LessThan(Tol));
    }
}
