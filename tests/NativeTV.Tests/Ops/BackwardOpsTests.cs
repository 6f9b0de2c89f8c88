using NativeTV.Kernels;
using static NativeTV.Tests.Ops.ScalarReference;

namespace NativeTV.Tests.Ops;

/// <summary>Every backward op on every backend against the (finite-difference-checked) scalar reference.</summary>
[TestFixtureSource(typeof(TestBackends), nameof(TestBackends.Names))]
public class BackwardOpsTests(string device) : BackendFixture(device)
{
    private const double Tol = 2e-5;

    [TestCase(5, 37, 19, DType.F32, false)]
    [TestCase(1, 64, 33, DType.BF16, true)]
    [TestCase(17, 23, 41, DType.F16, false)]
    [TestCase(33, 70, 47, DType.F16, true)]
    public void MatMulBackward(int m, int k, int n, DType dt, bool accumulate)
    {
        var rng = new Random(m + k + n);
        var dy = TestData.Normal(rng, m * n);
        var prior = TestData.Normal(rng, m * k);
        var wt = HostTensor.FromFloats("w", TestData.Normal(rng, n * k), [n, k], dt);
        using var w = be.Upload(wt);
        var dx = Strided(prior, m, k);
        be.MatMulBackward(Strided(dy, m, n), w, dx, accumulate);
        var expected = ScalarReference.MatMulBackward(D(dy), m, n, D(wt.ToFloats()), k);
        if (accumulate) for (int i = 0; i < expected.Length; i++) expected[i] += prior[i];
        Assert.That(TestData.RelMaxError(be.Download(dx), expected), Is.LessThan(Tol));
    }

    [TestCase(7, 45, 0f, DType.F32, false)]
    [TestCase(3, 128, 1f, DType.BF16, true)]
    public void RmsNormBackward(int rows, int d, float offset, DType dt, bool accumulate)
    {
        var rng = new Random(rows * d);
        var x = TestData.Normal(rng, rows * d, 3);
        var dy = TestData.Normal(rng, rows * d);
        var prior = TestData.Normal(rng, rows * d);
        var wt = HostTensor.FromFloats("w", TestData.Normal(rng, d), [d], dt);
        using var w = be.Upload(wt);
        var dx = Strided(prior, rows, d);
        be.RmsNormBackward(Strided(x, rows, d), w, 1e-6f, offset, Strided(dy, rows, d, 0, 1), dx, accumulate);
        var expected = ScalarReference.RmsNormBackward(D(x), rows, d, D(wt.ToFloats()), 1e-6f, offset, D(dy));
        if (accumulate) for (int i = 0; i < expected.Length; i++) expected[i] += prior[i];
        Assert.That(TestData.RelMaxError(be.Download(dx), expected), Is.LessThan(Tol));
    }

    [Test]
    public void RopeBackward()
    {
        var rng = new Random(8);
        int rows = 5, heads = 3, hd = 10, rot = 6, maxPos = 9, half = rot / 2;
        var x = TestData.Normal(rng, rows * heads * hd);
        var cos = TestData.Normal(rng, maxPos * half);
        var sin = TestData.Normal(rng, maxPos * half);
        int[] pos = [0, 8, 3, 3, 1];
        var xm = Strided(x, rows, heads * hd);
        be.Rope(xm, heads, hd, rot, be.Upload(pos), be.Upload(cos), be.Upload(sin), backward: true);
        Assert.That(TestData.RelMaxError(be.Download(xm), ScalarReference.Rope(D(x), rows, heads, hd, rot, pos, D(cos), D(sin), transpose: true)), Is.LessThan(Tol));
    }

    [TestCase(2, 7, 4, 2, 6, 0)]
    [TestCase(3, 9, 3, 1, 5, 3)]
    [TestCase(2, 130, 2, 1, 7, 0)]
    [TestCase(3, 70, 4, 2, 9, 33)]
    [TestCase(2, 37, 2, 1, 600, 5)] // ILGPU: head_dim 600 makes the shared tile (13 rows) smaller than a group
    [TestCase(8, 70, 4, 2, 9, 33)] // cpu: 16 (batch, kv head) pairs take the one-pass backward
    [TestCase(16, 7, 2, 1, 6, 0)]
    public void AttentionBackward(int batch, int T, int hq, int hkv, int hd, int window)
    {
        var rng = new Random(batch * T + hq);
        int rows = batch * T;
        var q = TestData.Normal(rng, rows * hq * hd);
        var k = TestData.Normal(rng, rows * hkv * hd);
        var v = TestData.Normal(rng, rows * hkv * hd);
        var dy = TestData.Normal(rng, rows * hq * hd);
        var mask = TestData.AttentionMask(batch, T);
        // The model never sends gradient into padded query rows; neither does this test.
        for (int r = 0; r < rows; r++) if (mask[r] == 0) Array.Clear(dy, r * hq * hd, hq * hd);
        var shape = new AttentionShape(batch, T, hq, hkv, hd, 1f / MathF.Sqrt(hd), window);
        using var lse = be.Alloc(shape.ScoreRows);
        using var scratch = be.Alloc(shape.ScoreRows);
        Mat qm = Strided(q, rows, hq * hd), km = Strided(k, rows, hkv * hd), vm = Strided(v, rows, hkv * hd), y = Zeros(rows, hq * hd);
        var maskBuf = be.Upload(mask);
        be.Attention(qm, km, vm, maskBuf, shape, y, lse);
        Mat dq = Zeros(rows, hq * hd), dk = Zeros(rows, hkv * hd), dv = Zeros(rows, hkv * hd);
        be.AttentionBackward(qm, km, vm, maskBuf, shape, y, lse, Strided(dy, rows, hq * hd, 1, 0), scratch, dq, dk, dv);
        var a = new AttentionArgs(batch, T, hq, hkv, hd, 1f / MathF.Sqrt(hd), window, mask);
        var (eq, ek, ev) = ScalarReference.AttentionBackward(D(q), D(k), D(v), a, D(dy));
        Assert.That(TestData.RelMaxError(be.Download(dq), eq), Is.LessThan(Tol), "dq");
        Assert.That(TestData.RelMaxError(be.Download(dk), ek), Is.LessThan(Tol), "dk");
        Assert.That(TestData.RelMaxError(be.Download(dv), ev), Is.LessThan(Tol), "dv");
    }

    [TestCase(GateActivation.GeluTanh)]
    [TestCase(GateActivation.Silu)]
    public void GatedActivationBackward(GateActivation act)
    {
        var rng = new Random(11 + (int)act);
        int rows = 4, n = 29;
        var g = TestData.Normal(rng, rows * n, 3);
        g[0] = 40; g[1] = -40; g[2] = 0;
        var u = TestData.Normal(rng, rows * n);
        var dy = TestData.Normal(rng, rows * n);
        Mat dg = Zeros(rows, n), du = Zeros(rows, n);
        be.GatedActivationBackward(Strided(g, rows, n), Strided(u, rows, n, 0, 0), act, Strided(dy, rows, n, 1, 1), dg, du);
        var (eg, eu) = ScalarReference.GatedActivationBackward(D(g), D(u), act == GateActivation.GeluTanh, D(dy));
        Assert.That(TestData.RelMaxError(be.Download(dg), eg), Is.LessThan(Tol), "dGate");
        Assert.That(TestData.RelMaxError(be.Download(du), eu), Is.LessThan(Tol), "dUp");
    }

    [TestCase(3, 11)]
    [TestCase(2, 3001)]
    public void CrossEntropy(int rows, int vocab)
    {
        var rng = new Random(rows * vocab);
        var z = TestData.Normal(rng, rows * vocab, 4);
        int[] targets = Enumerable.Range(0, rows).Select(i => (i * 7 + 3) % vocab).ToArray();
        float[] w = Enumerable.Range(0, rows).Select(i => 0.5f + i).ToArray();
        var zm = Strided(z, rows, vocab);
        using var nll = be.Alloc(rows);
        be.CrossEntropy(zm, be.Upload(targets), be.Upload(w), nll);
        var (en, eg) = ScalarReference.CrossEntropy(D(z), rows, vocab, targets, D(w));
        Assert.That(TestData.RelMaxError(be.Download(nll), en), Is.LessThan(Tol), "nll");
        Assert.That(TestData.RelMaxError(be.Download(zm), eg), Is.LessThan(Tol), "gradient");
    }

    [Test]
    public void ScatterAddRowsAndCopy()
    {
        var rng = new Random(12);
        int d = 9;
        var x = TestData.Normal(rng, 3 * d);
        var y0 = TestData.Normal(rng, 5 * d);
        int[] rows = [4, 0, 4];
        var y = Strided(y0, 5, d);
        be.ScatterAddRows(Strided(x, 3, d), be.Upload(rows), y);
        var copy = Zeros(5, d);
        be.Copy(y, copy);
        var expected = (float[])y0.Clone();
        for (int i = 0; i < rows.Length; i++) for (int c = 0; c < d; c++) expected[rows[i] * d + c] += x[i * d + c];
        Assert.That(TestData.RelMaxError(be.Download(copy), expected), Is.LessThan(Tol));
    }
}
