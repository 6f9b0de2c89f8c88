using NativeTV.Kernels;
using static NativeTV.Tests.Ops.ScalarReference;

namespace NativeTV.Tests.Ops;

/// <summary>
/// Every op on every backend against <see cref="ScalarReference"/>, on odd shapes and strided views
/// (the way ggml's test-backend-ops checks its backends).
/// </summary>
[TestFixtureSource(typeof(TestBackends), nameof(TestBackends.Names))]
public class BackendOpsTests(string device) : BackendFixture(device)
{
    private const double Tol = 2e-5;

    private static HostTensor Weight(float[] values, int rows, int cols, DType dt) =>
        HostTensor.FromFloats("w", values, rows == 1 ? [cols] : [rows, cols], dt);

    [TestCase(5, 37, 19, DType.F32)]
    [TestCase(1, 64, 33, DType.BF16)]
    [TestCase(17, 23, 41, DType.F16)]
    [TestCase(33, 70, 65, DType.BF16)]
    public void MatMul(int m, int k, int n, DType dt)
    {
        var rng = new Random(m * 1000 + k);
        var x = TestData.Normal(rng, m * k);
        var wt = Weight(TestData.Normal(rng, n * k), n, k, dt);
        var y = Strided(new float[m * n], m, n);
        using var w = be.Upload(wt);
        be.MatMul(Strided(x, m, k), w, y);
        var expected = ScalarReference.MatMul(D(x), m, k, D(wt.ToFloats()), n);
        Assert.That(TestData.RelMaxError(be.Download(y), expected), Is.LessThan(Tol));
    }

    [TestCase(7, 45, 0f, DType.F32)]
    [TestCase(3, 128, 1f, DType.BF16)]
    public void RmsNorm(int rows, int d, float offset, DType dt)
    {
        var rng = new Random(rows + d);
        var x = TestData.Normal(rng, rows * d, 3);
        var wt = Weight(TestData.Normal(rng, d), 1, d, dt);
        using var w = be.Upload(wt);
        var y = Strided(new float[rows * d], rows, d);
        be.RmsNorm(Strided(x, rows, d), w, 1e-6f, offset, y);
        Assert.That(TestData.RelMaxError(be.Download(y), ScalarReference.RmsNorm(D(x), rows, d, D(wt.ToFloats()), 1e-6f, offset)), Is.LessThan(Tol));
    }

    [TestCase(DType.F32)]
    [TestCase(DType.BF16)]
    [TestCase(DType.F16)]
    public void Embedding(DType dt)
    {
        var rng = new Random(5);
        int vocab = 13, d = 9;
        var wt = Weight(TestData.Normal(rng, vocab * d), vocab, d, dt);
        int[] ids = [3, 12, 0, 3, 7];
        using var w = be.Upload(wt);
        var y = Strided(new float[ids.Length * d], ids.Length, d);
        be.Embedding(w, be.Upload(ids), 2.5f, y);
        Assert.That(TestData.RelMaxError(be.Download(y), ScalarReference.Embedding(D(wt.ToFloats()), d, ids, 2.5)), Is.LessThan(Tol));
    }

    [TestCase(3, 10, 10)]
    [TestCase(2, 12, 6)]
    public void Rope(int heads, int headDim, int rotDim)
    {
        var rng = new Random(heads * headDim);
        int rows = 7, maxPos = 11, half = rotDim / 2;
        var x = TestData.Normal(rng, rows * heads * headDim);
        int[] pos = [0, 1, 2, 10, 4, 4, 1];
        var cos = new float[maxPos * half];
        var sin = new float[maxPos * half];
        for (int p = 0; p < maxPos; p++)
            for (int i = 0; i < half; i++) { cos[p * half + i] = (float)Math.Cos(p * (i + 1) * 0.3); sin[p * half + i] = (float)Math.Sin(p * (i + 1) * 0.3); }
        var xm = Strided(x, rows, heads * headDim);
        be.Rope(xm, heads, headDim, rotDim, be.Upload(pos), be.Upload(cos), be.Upload(sin));
        Assert.That(TestData.RelMaxError(be.Download(xm), ScalarReference.Rope(D(x), rows, heads, headDim, rotDim, pos, D(cos), D(sin))), Is.LessThan(Tol));
    }

    // Small odd shapes, then shapes spanning several CPU blocks (64 queries x 128 keys) and ILGPU tiles.
    [TestCase(2, 7, 4, 2, 6, 0)]
    [TestCase(3, 9, 4, 1, 5, 3)]
    [TestCase(1, 5, 2, 2, 8, 0)]
    [TestCase(2, 130, 2, 1, 7, 0)]
    [TestCase(3, 70, 4, 2, 9, 33)]
    [TestCase(2, 37, 2, 1, 600, 5)] // ILGPU: head_dim 600 makes the shared tile (13 rows) smaller than a group
    public void Attention(int batch, int T, int hq, int hkv, int hd, int window)
    {
        var rng = new Random(batch * 100 + T);
        int rows = batch * T;
        var q = TestData.Normal(rng, rows * hq * hd);
        var k = TestData.Normal(rng, rows * hkv * hd);
        var v = TestData.Normal(rng, rows * hkv * hd);
        var mask = TestData.AttentionMask(batch, T);
        var shape = new AttentionShape(batch, T, hq, hkv, hd, 1f / MathF.Sqrt(hd), window);
        using var lse = be.Alloc(shape.ScoreRows);
        var y = Strided(new float[rows * hq * hd], rows, hq * hd);
        be.Attention(Strided(q, rows, hq * hd), Strided(k, rows, hkv * hd, 1, 4), Strided(v, rows, hkv * hd, 0, 1), be.Upload(mask), shape, y, lse);
        var (ey, el) = ScalarReference.Attention(D(q), D(k), D(v), new ScalarReference.AttentionArgs(batch, T, hq, hkv, hd, 1f / MathF.Sqrt(hd), window, mask));
        Assert.That(TestData.RelMaxError(be.Download(y), ey), Is.LessThan(Tol), "output");
        var gl = be.Download(lse);
        Assert.That(gl.Select(float.IsPositiveInfinity), Is.EqualTo(el.Select(double.IsPositiveInfinity)), "queries that see no key");
        Assert.That(TestData.RelMaxError(gl.Select(x => float.IsInfinity(x) ? 0f : x).ToArray(), el.Select(x => double.IsInfinity(x) ? 0 : x).ToArray()),
            Is.LessThan(Tol), "log-sum-exp");
    }

    [TestCase(GateActivation.GeluTanh)]
    [TestCase(GateActivation.Silu)]
    public void GatedActivation(GateActivation act)
    {
        var rng = new Random((int)act);
        int rows = 5, n = 37;
        var g = TestData.Normal(rng, rows * n, 3);
        var u = TestData.Normal(rng, rows * n);
        var y = Strided(new float[rows * n], rows, n);
        be.GatedActivation(Strided(g, rows, n), Strided(u, rows, n, 0, 0), act, y);
        Assert.That(TestData.RelMaxError(be.Download(y), ScalarReference.GatedActivation(D(g), D(u), act == GateActivation.GeluTanh)), Is.LessThan(Tol));
    }

    [Test]
    public void AddGatherAndAddToRows()
    {
        var rng = new Random(9);
        int rows = 6, d = 11;
        var a = TestData.Normal(rng, rows * d);
        var b = TestData.Normal(rng, rows * d);
        var vec = TestData.Normal(rng, d);
        var y = Strided(a, rows, d);
        be.Add(y, Strided(b, rows, d, 1, 1));
        int[] steer = [4, 1, 4];
        be.AddToRows(y, be.Upload(steer), steer.Length, be.Upload(vec), 0.5f);
        int[] pick = [5, 4, 0];
        var g = Strided(new float[pick.Length * d], pick.Length, d);
        be.GatherRows(y, be.Upload(pick), g);

        var sum = a.Select((x, i) => x + b[i]).ToArray();
        foreach (var r in steer) for (int c = 0; c < d; c++) sum[r * d + c] += 0.5f * vec[c];
        var expected = pick.SelectMany(r => sum.Skip(r * d).Take(d)).ToArray();
        Assert.That(TestData.RelMaxError(be.Download(g), expected), Is.LessThan(Tol));
    }
}
