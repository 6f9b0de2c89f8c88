using NativeTV.Transformer.Checkpoints;
using NativeTV.Kernels;
using NativeTV.Sae;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.Tests.Ops;
using NativeTV.Transformer.Model;
using NativeTV.TaskVectors.Steering;
using NativeTV.TaskVectors;

namespace NativeTV.Tests.Cleaning;

/// <summary>
/// Task-vector cleaning on a random tiny model and random SAEs: the gradient of loss + L1 with respect to the
/// feature pre-activations against finite differences, and the optimiser lowering the objective while only
/// using allowed features in the fixed-feature mode. On cpu (many passes).
/// </summary>
public class CleaningTests() : BackendFixture("cpu")
{
    private static readonly ModelConfig Cfg = RandomModel.TinyConfig(Architecture.Phi3, DType.F32, layers: 2, hidden: 24, heads: 2, intermediate: 40, vocab: 37);

    private static NativeTV.Sae.Sae RandomSae(SaeArchitecture arch, int dSae = 40)
    {
        var rng = new Random(5);
        int d = Cfg.HiddenSize;
        float[] R(int n, double std, double mean = 0) => TestData.Normal(rng, n, std).Select(x => (float)(x + mean)).ToArray();
        return new NativeTV.Sae.Sae
        {
            Arch = arch, DIn = d, DSae = dSae, WEnc = R(d * dSae, 0.3), WDec = R(dSae * d, 0.3), BDec = R(d, 0.1), ApplyBDecToInput = true,
            BEnc = arch == SaeArchitecture.Standard ? R(dSae, 0.2, 0.3) : null,
            BGate = arch == SaeArchitecture.Gated ? R(dSae, 0.2, 0.3) : null,
            RMag = arch == SaeArchitecture.Gated ? R(dSae, 0.1) : null,
            BMag = arch == SaeArchitecture.Gated ? R(dSae, 0.2, 0.2) : null,
        };
    }

    /// <summary>Six prompts `bos a -> b \n c ->` with one-token answers.</summary>
    private static PromptBatch CleanSet()
    {
        var rng = new Random(9);
        var prompts = Enumerable.Range(0, 6).Select(_ => new Prompt([1, rng.Next(5, 37), 2, rng.Next(5, 37), 3, rng.Next(5, 37), 2], [2, 6], [rng.Next(5, 37)])).ToList();
        return PromptBatch.Of(prompts, 2, 0);
    }

    private static TransformerModel Model(IBackend be) =>
        new(Cfg, be, ModelWeights.Load(Cfg, TensorSetOf(RandomModel.Weights(Cfg, 2, 0.2f)), be));

    private static Transformer.Checkpoints.TensorSet TensorSetOf(IEnumerable<(string Name, long[] Shape, float[] Values)> ws)
    {
        var set = new Transformer.Checkpoints.TensorSet();
        foreach (var (n, s, v) in ws) set.Tensors[n] = HostTensor.FromFloats(n, v, s, DType.F32);
        return set;
    }

    [TestCase(SaeArchitecture.Standard)]
    [TestCase(SaeArchitecture.Gated)]
    public void ObjectiveGradientMatchesFiniteDifferences(SaeArchitecture arch)
    {
        using var m = Model(be);
        using var sae = new DeviceSae(RandomSae(arch), be);
        var param = new SaeFeatureVector(sae, l1: 0.05f);
        var problem = CleanSet().Problem(layer: 1);
        var theta = param.Initial(TestData.Normal(new Random(3), Cfg.HiddenSize, 1.0));
        double Objective(float[] th) => SteeringOptimizer.LossAndGradient(m, problem, param, th).Loss + param.Penalty(th, new float[th.Length]);
        var (_, grad) = SteeringOptimizer.LossAndGradient(m, problem, param, theta);
        param.Penalty(theta, grad);
        Assert.That(param.L0(theta), Is.GreaterThan(3), "the test needs several active features");
        // Directional derivative along active features only (kinks at z = 0 would break the difference quotient).
        var active = param.Activations(theta);
        var u = TestData.Normal(new Random(4), theta.Length).Select((x, i) => active[i] > 0.05f ? x : 0f).ToArray();
        const float h = 1e-3f;
        double numeric = (Objective(theta.Select((t, i) => t + h * u[i]).ToArray()) - Objective(theta.Select((t, i) => t - h * u[i]).ToArray())) / (2 * h);
        double analytic = grad.Select((g, i) => (double)g * u[i]).Sum();
        Assert.That(analytic, Is.EqualTo(numeric).Within(1e-3 + 1e-2 * Math.Abs(numeric)));
    }

    [Test]
    public void TheReturnedVectorIsTheDecodeOfItsFeaturesAndLowersTheObjective()
    {
        using var m = Model(be);
        var raw = RandomSae(SaeArchitecture.Standard);
        using var sae = new DeviceSae(raw, be);
        var tv = TestData.Normal(new Random(3), Cfg.HiddenSize, 1.0);
        var problem = CleanSet().Problem(layer: 1);
        const float l1 = 0.02f;
        var r = TaskVectorCleaner.Clean(m, sae, 1, CleanSet(), tv, new CleaningOptions(L1: l1, Lr: 0.05f, Steps: 60, Patience: 200));

        // decode(f) = b_dec + sum_i f_i W_dec[i], from the SAE's host weights and the reported feature weights.
        var decoded = raw.BDec.ToArray();
        foreach (var f in r.Features)
            for (int j = 0; j < decoded.Length; j++) decoded[j] += f.Weight * raw.WDec[f.Id * raw.DIn + j];
        Assert.That(r.Vector, Is.EqualTo(decoded).Within(1e-4f));

        double Objective(float[] v, IEnumerable<float> weights) =>
            SteeringOptimizer.LossAndGradient(m, problem, new DirectVector(Cfg.HiddenSize), v).Loss + l1 * weights.Sum(w => Math.Abs((double)w));
        var start = new SaeFeatureVector(sae, l1);
        var z0 = start.Initial(tv);
        Assert.That(Objective(r.Vector, r.Features.Select(f => f.Weight)), Is.LessThan(Objective(start.Vector(z0), start.Activations(z0))));
    }

    [Test]
    public void CleaningLowersTheObjectiveAndRespectsAFixedFeatureSet()
    {
        using var m = Model(be);
        using var sae = new DeviceSae(RandomSae(SaeArchitecture.Standard), be);
        var tv = TestData.Normal(new Random(3), Cfg.HiddenSize, 1.0);
        var set = CleanSet();
        var o = new CleaningOptions(L1: 0.02f, Lr: 0.05f, Steps: 60, Patience: 200);
        var r = TaskVectorCleaner.Clean(m, sae, 1, set, tv, o);
        double Total(StepRecord s) => s.Loss + s.Penalty;
        Assert.That(Total(r.Curve[^1]), Is.LessThan(Total(r.Curve[0])));
        Assert.That(r.Features, Is.Not.Empty);
        Assert.That(r.Features.Count, Is.LessThanOrEqualTo(r.ReconstructionL0));

        int[] allowed = r.Features.Take(2).Select(f => f.Id).ToArray();
        var fixedRun = TaskVectorCleaner.Clean(m, sae, 1, set, tv, o with { L1 = 0f }, onlyFeatures: allowed);
        Assert.That(fixedRun.Features.Select(f => f.Id), Is.SubsetOf(allowed));
    }
}
