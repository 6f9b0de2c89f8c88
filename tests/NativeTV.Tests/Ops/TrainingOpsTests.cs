using NativeTV.Kernels;

namespace NativeTV.Tests.Ops;

/// <summary>Weight gradients, bias sums, AdamW and row normalisation on every backend against scalar definitions.</summary>
[TestFixtureSource(typeof(TestBackends), nameof(TestBackends.Names))]
public class TrainingOpsTests(string device) : BackendFixture(device)
{
    [TestCase(5, 7, 9, false)]
    [TestCase(17, 3, 33, true)]
    [TestCase(37, 18, 33, false)]
    public void MatMulWeightGradIsTheGradientOfMatMul(int m, int n, int k, bool accumulate)
    {
        var rng = new Random(m * n + k);
        var dy = TestData.Normal(rng, m * n);
        var x = TestData.Normal(rng, m * k);
        var prior = TestData.Normal(rng, n * k);
        var dW = Strided(prior, n, k);
        be.MatMulWeightGrad(Strided(dy, m, n), Strided(x, m, k, 0, 1), dW, accumulate);
        var expected = new double[n * k];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < k; j++)
            {
                double acc = accumulate ? prior[i * k + j] : 0;
                for (int r = 0; r < m; r++) acc += (double)dy[r * n + i] * x[r * k + j];
                expected[i * k + j] = acc;
            }
        Assert.That(TestData.RelMaxError(be.Download(dW), expected), Is.LessThan(2e-5));
    }

    [TestCase(1, 7, false)]
    [TestCase(70, 33, true)]
    public void RmsNormWeightGradMatchesTheReference(int rows, int d, bool accumulate)
    {
        var rng = new Random(rows + d);
        var x = TestData.Normal(rng, rows * d, 2);
        var dy = TestData.Normal(rng, rows * d);
        var prior = TestData.Normal(rng, d);
        var dw = Strided(prior, 1, d);
        be.RmsNormWeightGrad(Strided(x, rows, d), 1e-5f, Strided(dy, rows, d, 0, 1), dw, accumulate);
        var expected = ScalarReference.RmsNormWeightGrad(ScalarReference.D(x), rows, d, 1e-5, ScalarReference.D(dy));
        if (accumulate) for (int i = 0; i < d; i++) expected[i] += prior[i];
        Assert.That(TestData.RelMaxError(be.Download(dw), expected), Is.LessThan(2e-5));
    }

    [Test]
    public void WeightViewSeesUpdatesToItsBuffer()
    {
        var rng = new Random(3);
        var buf = be.Upload(TestData.Normal(rng, 40));
        using var w = be.AsWeight(buf, offset: 5, rows: 3, cols: 7, "view");
        var x = TestData.Normal(rng, 2 * 7);
        var y = Zeros(2, 3);
        be.Add(Mat.Of(buf, 1, 40), Mat.Of(be.Upload(Enumerable.Repeat(1f, 40).ToArray()), 1, 40));
        be.MatMul(Strided(x, 2, 7), w, y);
        var all = be.Download(buf);
        var expected = ScalarReference.MatMul(ScalarReference.D(x), 2, 7, ScalarReference.D(all[5..26]), 3);
        Assert.That(TestData.RelMaxError(be.Download(y), expected), Is.LessThan(2e-5));
    }

    [Test]
    public void ColumnSumsAndNormalizeRows()
    {
        var rng = new Random(4);
        var x = TestData.Normal(rng, 6 * 11);
        var sums = be.Upload(Enumerable.Repeat(2f, 11).ToArray());
        var xm = Strided(x, 6, 11);
        be.ColumnSums(xm, sums, accumulate: true);
        var expected = Enumerable.Range(0, 11).Select(c => 2.0 + Enumerable.Range(0, 6).Sum(r => (double)x[r * 11 + c])).ToArray();
        Assert.That(TestData.RelMaxError(be.Download(sums), expected), Is.LessThan(1e-5));
        Array.Clear(x, 22, 11); // a zero row stays zero
        xm = Strided(x, 6, 11);
        be.NormalizeRows(xm);
        var got = be.Download(xm);
        var norms = Enumerable.Range(0, 6).Select(r => Math.Sqrt(Enumerable.Range(0, 11).Sum(c => (double)x[r * 11 + c] * x[r * 11 + c]))).ToArray();
        var unit = x.Select((v, i) => norms[i / 11] == 0 ? 0 : v / norms[i / 11]).ToArray();
        Assert.That(TestData.RelMaxError(got, unit), Is.LessThan(1e-6));
    }

    [Test]
    public void AdamStepMatchesTheFormula()
    {
        var rng = new Random(5);
        int n = 10_001;
        float[] p = TestData.Normal(rng, n), g = TestData.Normal(rng, n), m = TestData.Normal(rng, n, 0.1), v = TestData.Normal(rng, n, 0.1).Select(Math.Abs).ToArray();
        var args = AdamArgs.ForStep(3, lr: 0.01f, beta1: 0.9f, beta2: 0.98f, eps: 1e-8f, weightDecay: 0.1f, gradScale: 0.5f);
        DeviceBuffer<float> pb = be.Upload(p), gb = be.Upload(g), mb = be.Upload(m), vb = be.Upload(v);
        be.AdamStep(pb, gb, mb, vb, n, args);
        var ep = new double[n];
        for (int i = 0; i < n; i++)
        {
            double gi = 0.5 * g[i], mi = 0.9 * m[i] + 0.1 * gi, vi = 0.98 * v[i] + 0.02 * gi * gi;
            ep[i] = p[i] - 0.01 * (mi / args.C1) / (Math.Sqrt(vi / args.C2) + 1e-8) - 0.01 * 0.1 * p[i];
        }
        Assert.That(TestData.RelMaxError(be.Download(pb), ep), Is.LessThan(1e-5));
    }

    [TestCase(5, 13, false)]
    [TestCase(9, 3, true)]
    public void ColumnDotsSumsProductsDownColumns(int rows, int cols, bool accumulate)
    {
        var rng = new Random(rows * 31 + cols);
        float[] a = TestData.Normal(rng, rows * cols), b = TestData.Normal(rng, rows * cols), prior = TestData.Normal(rng, cols);
        var dots = be.Upload(prior);
        be.ColumnDots(Strided(a, rows, cols), Strided(b, rows, cols, 1, 4), dots, accumulate);
        var expected = Enumerable.Range(0, cols).Select(c =>
            (accumulate ? prior[c] : 0.0) + Enumerable.Range(0, rows).Sum(r => (double)a[r * cols + c] * b[r * cols + c])).ToArray();
        Assert.That(TestData.RelMaxError(be.Download(dots), expected), Is.LessThan(1e-5));
    }

    [TestCase(7, 11, 1f)]
    [TestCase(3, 29, -0.5f)]
    public void AddScaledRowsScalesEachRow(int rows, int cols, float alpha)
    {
        var rng = new Random(rows * 17 + cols);
        float[] y = TestData.Normal(rng, rows * cols), x = TestData.Normal(rng, rows * cols), s = TestData.Normal(rng, rows);
        var ym = Strided(y, rows, cols);
        be.AddScaledRows(ym, Strided(x, rows, cols, 0, 1), be.Upload(s), alpha);
        var expected = y.Select((v, i) => v + (double)alpha * s[i / cols] * x[i]).ToArray();
        Assert.That(TestData.RelMaxError(be.Download(ym), expected), Is.LessThan(1e-5));
    }
}
