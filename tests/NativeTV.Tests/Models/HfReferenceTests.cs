using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;
using NativeTV.Tests.Ops;

namespace NativeTV.Tests.Models;

/// <summary>
/// Checkpoints NativeTV never made (written by tools/reference, an independent float64 PyTorch
/// implementation of transformers' eager Gemma and Phi-3) must give the same logits and residual
/// streams: batched with left and right padding, and steered.
/// </summary>
[TestFixtureSource(typeof(TestBackends), nameof(TestBackends.Names))]
public class HfReferenceTests(string device)
{
    private IBackend be = null!;
    [OneTimeSetUp] public void Setup() => be = BackendFactory.Create(device);
    [OneTimeTearDown] public void TearDown() => be.Dispose();

    /// <summary>The acceptance bound: max |error| relative to the largest |logit|.</summary>
    private const double LogitTol = 2e-4;

    public static readonly object[] Cases =
    [
        new object[] { "gemma_f32", "expected" },
        new object[] { "gemma_bf16", "expected" },
        new object[] { "gemma_bf16_h40", "expected" },
        new object[] { "phi3_longrope", "expected_short" },
        new object[] { "phi3_longrope", "expected_long" },
        new object[] { "phi3_f16_tied", "expected" },
    ];

    [TestCaseSource(nameof(Cases))]
    public void PaddedBatchMatchesReference(string model, string expected)
    {
        using var m = TransformerModel.Load(Fixtures.Dir("hf", model), be);
        using var exp = new SafetensorsFile(Fixtures.Dir("hf", model, expected + ".safetensors"));
        var ids = exp.ReadInts("ids");
        var mask = exp.ReadInts("mask");
        int B = (int)exp.Tensors["ids"].Shape[0], T = (int)exp.Tensors["ids"].Shape[1];
        var c = m.Config;
        int[] valid = Enumerable.Range(0, B * T).Where(i => mask[i] == 1).ToArray();
        var req = new ForwardRequest
        {
            Tokens = new TokenBatch(B, T, ids, mask),
            Reads = Enumerable.Range(0, c.Layers + 1).Select(l => new HookRead(new(HookPoint.ResidPre, l), valid)).ToArray(),
            LogitRows = valid,
        };
        var r = m.Forward(req);
        var refLogits = exp.ReadFloats("logits");
        var refResid = exp.ReadFloats("resid_pre");
        Assert.That(TestData.RelMaxError(r.Logits, Pick(refLogits, valid, c.VocabSize)), Is.LessThan(LogitTol), "logits");
        for (int l = 0; l <= c.Layers; l++)
        {
            var layer = refResid.AsSpan(l * B * T * c.HiddenSize, B * T * c.HiddenSize).ToArray();
            Assert.That(TestData.RelMaxError(r.Reads[new(HookPoint.ResidPre, l)], Pick(layer, valid, c.HiddenSize)), Is.LessThan(LogitTol), $"resid_pre[{l}]");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void SteeredRunMatchesReference(string model, string expected)
    {
        using var m = TransformerModel.Load(Fixtures.Dir("hf", model), be);
        using var exp = new SafetensorsFile(Fixtures.Dir("hf", model, expected + ".safetensors"));
        int T = (int)exp.Tensors["ids"].Shape[1];
        var ids = exp.ReadInts("ids")[..T];
        int layer = exp.ReadInts("steer_layer")[0];
        var all = Enumerable.Range(0, T).ToArray();
        var r = m.Forward(new ForwardRequest
        {
            Tokens = TokenBatch.Single(ids),
            Adds = [new HookAdd(new(HookPoint.ResidPre, layer), exp.ReadInts("steer_positions"), exp.ReadFloats("steer_vector"), exp.ReadFloats("steer_scale")[0])],
            Reads = [new HookRead(new(HookPoint.ResidPre, layer), all)],
            LogitRows = all,
        });
        Assert.That(TestData.RelMaxError(r.Logits, exp.ReadFloats("steered_logits")), Is.LessThan(LogitTol), "steered logits");
        var d = m.Config.HiddenSize;
        var refResid = exp.ReadFloats("steered_resid_pre").AsSpan(layer * T * d, T * d).ToArray();
        Assert.That(TestData.RelMaxError(r.Reads[new(HookPoint.ResidPre, layer)], refResid), Is.LessThan(LogitTol), "steered resid_pre");
    }

    /// <summary>The acceptance bound for gradients: max |error| relative to the largest |component|.</summary>
    private const double GradTol = 2e-4;

    [TestCaseSource(nameof(Cases))]
    public void SteeringGradientMatchesAutograd(string model, string expected)
    {
        using var m = TransformerModel.Load(Fixtures.Dir("hf", model), be);
        using var exp = new SafetensorsFile(Fixtures.Dir("hf", model, expected + ".safetensors"));
        int T = (int)exp.Tensors["ids"].Shape[1];
        var tokens = TokenBatch.Single(exp.ReadInts("ids")[..T]);
        var steer = new HookAdd(new(HookPoint.ResidPre, exp.ReadInts("steer_layer")[0]), exp.ReadInts("steer_positions"), exp.ReadFloats("steer_vector"), exp.ReadFloats("steer_scale")[0]);
        var targets = LossTargets.MeanOverPositions(tokens, exp.ReadInts("targets").Select(t => (0, t)).ToArray());
        var r = m.SteerGrad(tokens, steer, targets);
        Assert.That(r.Loss, Is.EqualTo(exp.ReadFloats("nll")[0]).Within(1e-4).Percent, "nll");
        Assert.That(TestData.RelMaxError(r.Gradient, exp.ReadFloats("steer_grad")), Is.LessThan(GradTol), "steer_grad");
    }

    private static float[] Pick(float[] all, int[] rows, int width) =>
        rows.SelectMany(r => all.AsSpan(r * width, width).ToArray()).ToArray();
}
