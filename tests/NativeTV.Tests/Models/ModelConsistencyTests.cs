using NativeTV.Transformer.Checkpoints;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;
using NativeTV.Tests.Ops;

namespace NativeTV.Tests.Models;

/// <summary>Properties any correct forward pass has: storage form does not matter, padding does not matter, backends agree.</summary>
public class ModelConsistencyTests
{
    private static readonly int[] Prompt = [1, 5, 9, 13, 2, 40, 33, 7, 11, 3, 21, 30, 8, 6, 19, 25, 4, 17, 12, 10];

    private static float[] Logits(string dir, string device, IReadOnlyList<int> ids)
    {
        using var be = BackendFactory.Create(device);
        using var m = TransformerModel.Load(dir, be);
        return m.Forward(new ForwardRequest { Tokens = TokenBatch.Single(ids), LogitRows = Enumerable.Range(0, ids.Count).ToArray() }).Logits;
    }

    [TestCase("gemma")]
    [TestCase("phi3")]
    public void ShardedAndSingleFileGiveIdenticalLogits(string arch)
    {
        var cfg = arch == "gemma" ? TinyModels.Gemma() : TinyModels.Phi3LongRope();
        var a = Logits(TinyModels.Write(cfg, shards: 1), "cpu", Prompt);
        var b = Logits(TinyModels.Write(cfg, shards: 3), "cpu", Prompt);
        Assert.That(b, Is.EqualTo(a));
    }

    [TestCase(DType.BF16)]
    [TestCase(DType.F16)]
    public void SixteenBitCheckpointEqualsF32OfTheSameValues(DType dt)
    {
        // The F32 checkpoint holds the values the 16-bit one rounds to: the model must not care how they are stored.
        Func<float, float> round = dt == DType.BF16 ? v => DTypes.BF16ToFloat(DTypes.FloatToBF16(v)) : v => (float)(Half)v;
        var cfg = TinyModels.Phi3LongRope();
        var f32 = Logits(TinyModels.Write(cfg, transform: round), "cpu", Prompt);
        var half = Logits(TinyModels.Write(cfg with { DType = dt }), "cpu", Prompt);
        Assert.That(TestData.RelMaxError(half, f32), Is.LessThan(1e-5));
    }

    [TestCase("gemma", true)]
    [TestCase("gemma", false)]
    [TestCase("phi3", true)]
    [TestCase("phi3", false)]
    public void PaddedRowsEqualUnpaddedRows(string arch, bool leftPad)
    {
        // Without longrope: with it, the batch's longest row picks the regime, so a short row alone is a different model.
        var cfg = arch == "gemma" ? TinyModels.Gemma() : TinyModels.Phi3LongRope() with { LongRope = null };
        var dir = TinyModels.Write(cfg);
        int[] shortRow = Prompt[..7], longRow = Prompt;
        using var be = BackendFactory.Create("cpu");
        using var m = TransformerModel.Load(dir, be);
        var batch = TokenBatch.FromSequences([longRow, shortRow], padId: 0, leftPad);
        int T = batch.SeqLen, offset = leftPad ? T - shortRow.Length : 0;
        var rows = Enumerable.Range(0, shortRow.Length).Select(t => batch.Row(1, offset + t)).ToArray();
        var padded = m.Forward(new ForwardRequest { Tokens = batch, LogitRows = rows }).Logits;
        var alone = Logits(dir, "cpu", shortRow);
        var full = Logits(dir, "cpu", longRow);
        var paddedLong = m.Forward(new ForwardRequest { Tokens = batch, LogitRows = Enumerable.Range(0, T).Select(t => batch.Row(0, t)).ToArray() }).Logits;
        Assert.That(TestData.RelMaxError(paddedLong, full), Is.LessThan(1e-5), "unpadded row of the batch");
        Assert.That(TestData.RelMaxError(padded, alone), Is.LessThan(1e-5), "padded row");
    }

    [TestCase("gemma", DType.BF16)]
    [TestCase("phi3", DType.F16)]
    public void CpuAndIlgpuAgree(string arch, DType dt)
    {
        var cfg = arch == "gemma" ? TinyModels.Gemma(dt) : TinyModels.Phi3LongRope(dt);
        var dir = TinyModels.Write(cfg);
        Assert.That(TestData.RelMaxError(Logits(dir, "ilgpu-cpu", Prompt), Logits(dir, "cpu", Prompt)), Is.LessThan(2e-5));
    }

    [TestCase("gemma", 0)]
    [TestCase("phi3-long", 1)]
    public void CpuAndIlgpuSteeringGradientsAgree(string arch, int layer)
    {
        var cfg = SteeringGradientTests.Config(arch);
        var dir = TinyModels.Write(cfg);
        var (tok, targets, rows) = SteeringGradientTests.Problem(20, 17, leftPad: true);
        var v = TestData.Normal(new Random(2), cfg.HiddenSize);
        SteerGradResult Run(string device)
        {
            using var be = BackendFactory.Create(device);
            using var m = TransformerModel.Load(dir, be);
            return m.SteerGrad(tok, new HookAdd(new(HookPoint.ResidPre, layer), rows, v), targets);
        }
        var (cpu, gpu) = (Run("cpu"), Run("ilgpu-cpu"));
        Assert.That(gpu.Loss, Is.EqualTo(cpu.Loss).Within(1e-4).Percent);
        Assert.That(TestData.RelMaxError(gpu.Gradient, cpu.Gradient), Is.LessThan(1e-4));
    }
}
