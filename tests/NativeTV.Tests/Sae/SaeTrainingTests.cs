using NativeTV.Kernels;
using NativeTV.Sae;
using NativeTV.Sae.Training;
using NativeTV.Tests.Ops;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Tests.Sae;

/// <summary>Training a ReLU SAE on vectors drawn from a planted dictionary recovers the dictionary; checkpoints of either trainer resume exactly.</summary>
public class SaeTrainingTests
{
    [Test]
    public void RecoversAPlantedDictionary()
    {
        const int dIn = 16, atoms = 24, support = 3, batch = 256, steps = 3000;
        var rng = new Random(7);
        var dict = TestData.Normal(rng, atoms * dIn);
        for (int j = 0; j < atoms; j++)
        {
            var row = dict.AsSpan(j * dIn, dIn);
            System.Numerics.Tensors.TensorPrimitives.Divide(row, MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row)), row);
        }
        float[] Batch()
        {
            var x = new float[batch * dIn];
            for (int b = 0; b < batch; b++)
                foreach (int j in Enumerable.Range(0, atoms).OrderBy(_ => rng.Next()).Take(support))
                {
                    float c = 0.5f + rng.NextSingle();
                    for (int i = 0; i < dIn; i++) x[b * dIn + i] += c * dict[j * dIn + i];
                }
            return x;
        }
        using var be = BackendFactory.Create("cpu");
        using var trainer = new ReluSaeTrainer(be, dIn, new SaeTrainOptions(DSae: 2 * atoms, L1: 0.2f, Lr: 3e-3f, L1WarmupSteps: 200, Seed: 1));
        SaeStepStats last = null!;
        for (int s = 0; s < steps; s++)
        {
            var x = be.UploadMat(Batch(), batch, dIn);
            last = trainer.Step(x);
            x.Buf.Dispose();
        }
        var sae = trainer.ToSae();
        double meanBest = Enumerable.Range(0, atoms).Average(j => Enumerable.Range(0, sae.DSae).Max(k =>
            Enumerable.Range(0, dIn).Sum(i => (double)dict[j * dIn + i] * sae.WDec[k * dIn + i])));
        TestContext.Out.WriteLine($"mse {last.Mse:F4}, l1 {last.L1:F3}, L0 {last.L0:F2}, mean best cosine {meanBest:F3}");
        Assert.That(meanBest, Is.GreaterThanOrEqualTo(0.9));
    }

    [TestCase(SaeArchitecture.Standard)]
    [TestCase(SaeArchitecture.Gated)]
    public void ResumingFromACheckpointContinuesTheSameRun(SaeArchitecture arch)
    {
        const int dIn = 8, batch = 32;
        var rng = new Random(3);
        var batches = Enumerable.Range(0, 20).Select(_ => TestData.Normal(rng, batch * dIn)).ToArray();
        using var be = BackendFactory.Create("cpu");
        var opts = new SaeTrainOptions(DSae: 16, L1: 0.1f, Lr: 1e-2f, L1WarmupSteps: 5, Arch: arch);
        var path = Path.Combine(Fixtures.TempDir(), "ck.safetensors");
        void Train(SaeTrainer t, int from, int to)
        {
            for (int s = from; s < to; s++)
            {
                var x = be.UploadMat(batches[s], batch, dIn);
                t.Step(x);
                x.Buf.Dispose();
            }
        }
        using var straight = SaeTrainer.Create(be, dIn, opts);
        Train(straight, 0, 10);
        straight.SaveCheckpoint(path);
        Train(straight, 10, 20);
        using var resumed = SaeTrainer.Create(be, dIn, opts with { Seed = 99 });
        resumed.LoadCheckpoint(path);
        Assert.That(resumed.StepCount, Is.EqualTo(10));
        Train(resumed, 10, 20);
        foreach (var name in straight.ParameterNames)
            Assert.That(TestData.RelMaxError(resumed.Parameter(name), straight.Parameter(name)), Is.LessThan(1e-6), name);

        // A checkpoint of the other architecture is refused by name, not by a missing tensor.
        using var other = SaeTrainer.Create(be, dIn, opts with { Arch = arch == SaeArchitecture.Gated ? SaeArchitecture.Standard : SaeArchitecture.Gated });
        var e = Assert.Throws<CheckpointException>(() => other.LoadCheckpoint(path));
        Assert.That(e!.Message, Does.Contain(arch == SaeArchitecture.Gated ? "is a gated SAE checkpoint" : "is a relu SAE checkpoint"));
    }
}
