using NativeTV.Transformer.Checkpoints;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;
using NativeTV.Transformer.Training;
using NativeTV.Tests.Models;
using NativeTV.Tests.Ops;

namespace NativeTV.Tests.Training;

/// <summary>
/// Whole-model weight gradients (every tensor, tied and untied, Gemma and Phi-3, padded batches) against
/// directional finite differences of the loss; a short run lowers the loss; a resumed run continues
/// bit-identically. On cpu: finite differences need dozens of passes, too slow on ILGPU's simulator,
/// whose gradients are compared with cpu's in <see cref="ModelTrainingBackendTests"/>.
/// </summary>
public class ModelTrainingTests() : BackendFixture("cpu")
{
    public static IEnumerable<TestCaseData> Models()
    {
        yield return new TestCaseData("gemma").SetName("{m}(gemma, tied, MQA)");
        yield return new TestCaseData("phi3").SetName("{m}(phi3 longrope, untied, GQA, sliding window)");
        yield return new TestCaseData("phi3-tied").SetName("{m}(phi3, tied)");
    }

    public static ModelConfig Config(string name) => name switch
    {
        "gemma" => RandomModel.TinyConfig(Architecture.Gemma, DType.F32, layers: 2, hidden: 24, heads: 2, headDim: 12, intermediate: 40, vocab: 37),
        "phi3" => RandomModel.TinyConfig(Architecture.Phi3, DType.F32, layers: 2, hidden: 24, heads: 4, kvHeads: 2, headDim: 8, intermediate: 40, vocab: 37,
            longRope: true, partialRotary: 0.5, slidingWindow: 6),
        _ => RandomModel.TinyConfig(Architecture.Phi3, DType.F32, layers: 2, hidden: 24, heads: 2, intermediate: 40, vocab: 37) with { TieWordEmbeddings = true },
    };

    /// <summary>Two left-padded rows with targets at every real position that has a next token.</summary>
    public static (TokenBatch, LossTarget[]) Batch(int vocab)
    {
        int[] a = [1, 5, 9, 13, 2, 20, 33, 7, 11], b = [3, 21, 30, 8, 6, 19];
        var tok = TokenBatch.FromSequences([a, b], 0, leftPad: true);
        var pos = new List<(int, int)>();
        for (int t = tok.SeqLen - a.Length; t < tok.SeqLen - 1; t++) pos.Add((0, t));
        for (int t = tok.SeqLen - b.Length; t < tok.SeqLen - 1; t++) pos.Add((1, t));
        Assert.That(a.Concat(b).Max(), Is.LessThan(vocab));
        return (tok, LossTargets.MeanOverPositions(tok, pos));
    }

    [TestCaseSource(nameof(Models))]
    public void WeightGradientsMatchFiniteDifferences(string model)
    {
        var c = Config(model);
        using var p = new ModelParameters(c, be, 0f);
        p.Set(RandomModel.Weights(c, seed: 3, std: 0.2f));
        using var m = new TransformerModel(c, be, p.Weights);
        var (tok, targets) = Batch(c.VocabSize);
        p.ZeroGrads();
        m.WeightGrad(tok, targets, p.GradOf);
        // Snapshot: the finite-difference passes below accumulate into the same buffers.
        var grads = p.Groups.SelectMany(g => g.Tensors.Select(t => (t.Name, be.Download(g.Grad(t))))).ToDictionary();
        var rng = new Random(7);
        const float h = 2e-3f;
        foreach (var g in p.Groups)
            foreach (var t in g.Tensors)
            {
                var w0 = g.Download(t);
                var u = TestData.Normal(rng, w0.Length);
                var grad = grads[t.Name];
                double analytic = grad.Select((v, i) => (double)v * u[i]).Sum();
                double Loss(float s)
                {
                    g.Upload(t, w0.Select((v, i) => v + s * u[i]).ToArray());
                    return m.WeightGrad(tok, targets, p.GradOf);
                }
                double numeric = (Loss(h) - Loss(-h)) / (2 * h);
                g.Upload(t, w0);
                Assert.That(analytic, Is.EqualTo(numeric).Within(2e-3 + 2e-2 * Math.Abs(numeric)), $"{t.Name}");
            }
    }

    [Test]
    public void ShortRunLowersTheLossAndResumesExactly()
    {
        // Learn "next token = (token * 3 + 1) mod V" on random sequences: a map a 1-layer model fits quickly.
        var c = RandomModel.TinyConfig(Architecture.Phi3, DType.F32, layers: 1, hidden: 32, heads: 2, intermediate: 48, vocab: 23) with { TieWordEmbeddings = true };
        var o = new ModelTrainOptions { Steps = 60, WarmupSteps = 5, Lr = 1e-2f, Batch = 8 };
        (TokenBatch, LossTarget[]) Data(int step)
        {
            var rng = new Random(step);
            var seqs = Enumerable.Range(0, o.Batch).Select(_ =>
            {
                var s = new int[8];
                s[0] = rng.Next(c.VocabSize);
                for (int i = 1; i < s.Length; i++) s[i] = (s[i - 1] * 3 + 1) % c.VocabSize;
                return (IReadOnlyList<int>)s;
            }).ToList();
            var tok = TokenBatch.FromSequences(seqs, 0, leftPad: false);
            return (tok, LossTargets.MeanOverPositions(tok, [.. Enumerable.Range(0, o.Batch).SelectMany(b => Enumerable.Range(0, 7).Select(t => (b, t)))]));
        }
        using var tr = new ModelTrainer(c, be, o);
        tr.Parameters.Set(ModelInit.Normal(c, seed: 1));
        var losses = new List<double>();
        for (int s = 0; s < 40; s++) { var (tok, tg) = Data(s); losses.Add(tr.TrainStep(tok, tg).Loss); }
        Assert.That(losses.TakeLast(5).Average(), Is.LessThan(0.3 * losses.Take(5).Average()), string.Join(", ", losses.Select(l => l.ToString("F3"))));

        var ck = Path.Combine(Fixtures.TempDir(), "trainer.safetensors");
        tr.SaveCheckpoint(ck);
        for (int s = 40; s < 45; s++) { var (tok, tg) = Data(s); tr.TrainStep(tok, tg); }
        using var resumed = new ModelTrainer(c, be, o);
        resumed.LoadCheckpoint(ck);
        Assert.That(resumed.Step, Is.EqualTo(40));
        for (int s = 40; s < 45; s++) { var (tok, tg) = Data(s); resumed.TrainStep(tok, tg); }
        var a = tr.Parameters.Download();
        var b = resumed.Parameters.Download();
        for (int i = 0; i < a.Count; i++) Assert.That(b[i].Values, Is.EqualTo(a[i].Values), a[i].Name);
    }

    [Test]
    public void ScheduleWarmsUpThenDecaysToTheFloor()
    {
        var o = new ModelTrainOptions { Steps = 100, WarmupSteps = 10, Lr = 1f, FinalLrFraction = 0.1f };
        Assert.That(o.LrAt(0), Is.EqualTo(0.1f).Within(1e-6));
        Assert.That(o.LrAt(9), Is.EqualTo(1f).Within(1e-6));
        Assert.That(o.LrAt(55), Is.EqualTo(0.55f).Within(1e-3));
        Assert.That(o.LrAt(99), Is.EqualTo(0.1f).Within(1e-3));
    }
}

/// <summary>Every backend's weight gradients against the cpu backend's (one pass each: the simulator is slow).</summary>
[TestFixtureSource(typeof(TestBackends), nameof(TestBackends.Names))]
public class ModelTrainingBackendTests(string device) : BackendFixture(device)
{
    [TestCaseSource(typeof(ModelTrainingTests), nameof(ModelTrainingTests.Models))]
    public void WeightGradientsMatchTheCpuBackend(string model)
    {
        var c = ModelTrainingTests.Config(model);
        var (tok, targets) = ModelTrainingTests.Batch(c.VocabSize);
        Dictionary<string, float[]> Grads(IBackend b)
        {
            using var p = new ModelParameters(c, b, 0f);
            p.Set(RandomModel.Weights(c, seed: 3, std: 0.2f));
            using var m = new TransformerModel(c, b, p.Weights);
            m.WeightGrad(tok, targets, p.GradOf);
            return p.Groups.SelectMany(g => g.Tensors.Select(t => (t.Name, b.Download(g.Grad(t))))).ToDictionary();
        }
        using var cpu = BackendFactory.Create("cpu");
        var expected = Grads(cpu);
        foreach (var (name, got) in Grads(be))
            Assert.That(TestData.RelMaxError(got, expected[name].Select(v => (double)v).ToArray()), Is.LessThan(1e-4), name);
    }
}
