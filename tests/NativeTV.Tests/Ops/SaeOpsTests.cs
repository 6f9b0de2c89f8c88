using NativeTV.Kernels;

namespace NativeTV.Tests.Ops;

/// <summary>The SAE and gradient-pursuit ops on every backend against plain scalar definitions.</summary>
[TestFixtureSource(typeof(TestBackends), nameof(TestBackends.Names))]
public class SaeOpsTests(string device) : BackendFixture(device)
{
    private const int Rows = 3, Cols = 37;

    private static double Act(SaeActivationKind kind, double z, int j, float[] th, float[] bg, float[] rm, float[] bm) => kind switch
    {
        SaeActivationKind.Relu => Math.Max(z, 0),
        SaeActivationKind.JumpRelu => z > th[j] ? z : 0,
        _ => z > 0 ? Math.Max(Math.Exp(rm[j]) * (z - bg[j]) + bm[j], 0) : 0,
    };

    private static double Deriv(SaeActivationKind kind, double z, int j, float[] th, float[] bg, float[] rm, float[] bm) => kind switch
    {
        SaeActivationKind.Relu => z > 0 ? 1 : 0,
        SaeActivationKind.JumpRelu => z > th[j] ? 1 : 0,
        _ => z > 0 && Math.Exp(rm[j]) * (z - bg[j]) + bm[j] > 0 ? Math.Exp(rm[j]) : 0,
    };

    /// <summary>The K largest entries (ties toward the lower index), ReLU'd.</summary>
    private static int[] TopKIndices(float[] z, int row, int k) =>
        Enumerable.Range(0, Cols).OrderByDescending(j => z[row * Cols + j]).ThenBy(j => j).Take(k).ToArray();

    [TestCase(SaeActivationKind.Relu)]
    [TestCase(SaeActivationKind.JumpRelu)]
    [TestCase(SaeActivationKind.Gated)]
    [TestCase(SaeActivationKind.TopK)]
    public void ActivationAndItsBackward(SaeActivationKind kind)
    {
        var rng = new Random(20 + (int)kind);
        var z = TestData.Normal(rng, Rows * Cols);
        z[5] = z[6]; // a tie for TopK
        var df = TestData.Normal(rng, Rows * Cols);
        float[] th = TestData.Normal(rng, Cols, 0.3).Select(Math.Abs).ToArray(), bg = TestData.Normal(rng, Cols, 0.3),
            rm = TestData.Normal(rng, Cols, 0.3), bm = TestData.Normal(rng, Cols, 0.3);
        var args = new SaeActivationArgs(kind, be.Upload(th), be.Upload(bg), be.Upload(rm), be.Upload(bm), K: 4);
        Mat zm = Strided(z, Rows, Cols), f = Zeros(Rows, Cols), dz = Zeros(Rows, Cols);
        be.SaeActivation(zm, args, f);
        be.SaeActivationBackward(zm, args, Strided(df, Rows, Cols, 1, 0), dz);
        var ef = new double[Rows * Cols];
        var edz = new double[Rows * Cols];
        for (int r = 0; r < Rows; r++)
        {
            var top = kind == SaeActivationKind.TopK ? TopKIndices(z, r, 4) : null;
            for (int j = 0; j < Cols; j++)
            {
                int i = r * Cols + j;
                if (top != null)
                {
                    bool on = top.Contains(j) && z[i] > 0;
                    ef[i] = on ? z[i] : 0;
                    edz[i] = on ? df[i] : 0;
                }
                else
                {
                    ef[i] = Act(kind, z[i], j, th, bg, rm, bm);
                    edz[i] = df[i] * Deriv(kind, z[i], j, th, bg, rm, bm);
                }
            }
        }
        Assert.That(TestData.RelMaxError(be.Download(f), ef), Is.LessThan(2e-6), "f");
        Assert.That(TestData.RelMaxError(be.Download(dz), edz), Is.LessThan(2e-6), "dz");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void PursuitSelectDotsAndUpdate(bool signed)
    {
        var rng = new Random(signed ? 31 : 30);
        var c = TestData.Normal(rng, Rows * Cols);
        c[Cols + 4] = c[Cols + 9] = 5f; // a tie: the lower index wins
        var support = new float[Rows * Cols];
        support[2] = 1f;
        var w = TestData.Normal(rng, Rows * Cols);
        var num = new float[] { 0.5f, -2f, 1f };
        var den = new float[] { 2f, 4f, 0f };
        Mat cm = Strided(c, Rows, Cols), sm = Strided(support, Rows, Cols), wm = Strided(w, Rows, Cols);
        using var active = be.AllocInts(Rows * 2);
        be.PursuitSelect(cm, sm, signed, active, stride: 2, slot: 1);
        using var dots = be.Alloc(Rows);
        be.RowDots(cm, wm, dots);
        be.PursuitUpdate(wm, cm, be.Upload(num), be.Upload(den), nonNegative: !signed);

        var es = (float[])support.Clone();
        var eg = new double[Rows * Cols];
        var edots = new double[Rows];
        var ew = new double[Rows * Cols];
        for (int r = 0; r < Rows; r++)
        {
            int best = Enumerable.Range(0, Cols).OrderByDescending(j => signed ? Math.Abs(c[r * Cols + j]) : c[r * Cols + j]).ThenBy(j => j).First();
            es[r * Cols + best] = 1f;
            for (int j = 0; j < Cols; j++)
            {
                int i = r * Cols + j;
                eg[i] = c[i] * es[i];
                edots[r] += eg[i] * w[i];
                double v = w[i] + (den[r] == 0 ? 0 : num[r] / den[r] * eg[i]);
                ew[i] = den[r] == 0 ? w[i] : !signed && v < 0 ? 0 : v;
            }
        }
        Assert.That(be.Download(sm), Is.EqualTo(es), "support");
        var act = new int[Rows * 2];
        be.CopyToHost(active, 0, act);
        for (int r = 0; r < Rows; r++)
        {
            int best = Enumerable.Range(0, Cols).OrderByDescending(j => signed ? Math.Abs(c[r * Cols + j]) : c[r * Cols + j]).ThenBy(j => j).First();
            Assert.That(act[r * 2 + 1], Is.EqualTo(support[r * Cols + best] == 1f ? -1 : best), $"active list, row {r}");
        }
        Assert.That(TestData.RelMaxError(be.Download(cm), eg), Is.LessThan(1e-6), "g");
        Assert.That(TestData.RelMaxError(be.Download(dots), edots), Is.LessThan(1e-5), "dots");
        Assert.That(TestData.RelMaxError(be.Download(wm), ew), Is.LessThan(1e-6), "w");
    }

    [Test]
    public void AddWithAlpha()
    {
        var rng = new Random(40);
        var a = TestData.Normal(rng, Rows * Cols);
        var b = TestData.Normal(rng, Rows * Cols);
        var y = Strided(a, Rows, Cols);
        be.Add(y, Strided(b, Rows, Cols, 0, 1), -0.5f);
        Assert.That(TestData.RelMaxError(be.Download(y), a.Select((v, i) => v - 0.5 * b[i]).ToArray()), Is.LessThan(1e-6));
    }

    [TestCase(DType.F32)]
    [TestCase(DType.BF16)]
    public void SparseDecodeEqualsDenseDecodeOfTheListedFeatures(DType dt)
    {
        var rng = new Random(50);
        int dIn = 13;
        var wt = HostTensor.FromFloats("W_dec", TestData.Normal(rng, Cols * dIn), [Cols, dIn], dt);
        using var w = be.Upload(wt);
        var coeffs = TestData.Normal(rng, Rows * Cols);
        int[] active = [4, -1, 36, 0, 0, 0, 7, 7, -1];   // stride 3; row 1 lists 0 three times; slots beyond 2 unused in row 2
        var y = Zeros(Rows, dIn);
        be.SparseDecode(be.Upload(active), 3, 3, Strided(coeffs, Rows, Cols), w, y);
        var wf = wt.ToFloats();
        var expected = new double[Rows * dIn];
        for (int r = 0; r < Rows; r++)
            for (int s = 0; s < 3; s++)
            {
                int j = active[r * 3 + s];
                if (j < 0) continue;
                for (int i = 0; i < dIn; i++) expected[r * dIn + i] += coeffs[r * Cols + j] * wf[j * dIn + i];
            }
        Assert.That(TestData.RelMaxError(be.Download(y), expected), Is.LessThan(1e-6));
    }
}
