using NativeTV.Kernels;
using NativeTV.Tests.Models;
using NativeTV.Tests.Ops;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;

namespace NativeTV.Tests.Cli;

/// <summary>`nativetv trace` keeps its relied-on interface: tensor names, shapes and steering semantics.</summary>
public class TraceCommandTests
{
    [Test]
    public void WritesLogitsAndResidualsLikeTheLibrary()
    {
        var cfg = TinyModels.Phi3LongRope();
        var dir = TinyModels.Write(cfg);
        var outPath = Path.Combine(dir, "trace.safetensors");
        var (exit, _, err) = NativetvProcess.Run("trace", "--model", dir, "--ids", "1,5,9,13,2", "--out", outPath, "--device", "cpu");
        Assert.That(exit, Is.EqualTo(0), err);
        using var f = new SafetensorsFile(outPath);
        Assert.That(f.Tensors["logits"].Shape, Is.EqualTo(new long[] { 5, cfg.VocabSize }));
        Assert.That(f.Tensors["resid_pre"].Shape, Is.EqualTo(new long[] { cfg.Layers + 1, 5, cfg.HiddenSize }));
        Assert.That(f.Tensors["logits"].DTypeName, Is.EqualTo("F32"));

        using var be = BackendFactory.Create("cpu");
        using var m = TransformerModel.Load(dir, be);
        var r = m.Forward(new ForwardRequest { Tokens = TokenBatch.Single([1, 5, 9, 13, 2]), LogitRows = [0, 1, 2, 3, 4] });
        Assert.That(f.ReadFloats("logits"), Is.EqualTo(r.Logits));
    }

    [Test]
    public void SteeringChangesOnlyWhatFollowsTheSteeredPosition()
    {
        var cfg = TinyModels.Gemma();
        var dir = TinyModels.Write(cfg);
        var vec = Path.Combine(dir, "v.safetensors");
        new SafetensorsWriter().Add("vector", TestData.Normal(new Random(3), cfg.HiddenSize), [cfg.HiddenSize]).Write(vec);
        string plain = Path.Combine(dir, "plain.safetensors"), steered = Path.Combine(dir, "steered.safetensors"), zero = Path.Combine(dir, "zero.safetensors");
        string[] common = ["trace", "--model", dir, "--ids", "2,5,9,13,7,8", "--device", "cpu"];
        Assert.That(NativetvProcess.Run([.. common, "--out", plain]).Exit, Is.EqualTo(0));
        Assert.That(NativetvProcess.Run([.. common, "--out", steered, "--steer-layer", "1", "--steer-vector", vec, "--steer-positions", "3", "--steer-scale", "2"]).Exit, Is.EqualTo(0));
        Assert.That(NativetvProcess.Run([.. common, "--out", zero, "--steer-layer", "1"]).Exit, Is.EqualTo(0));
        using var a = new SafetensorsFile(plain);
        using var b = new SafetensorsFile(steered);
        using var z = new SafetensorsFile(zero);
        Assert.That(z.ReadFloats("logits"), Is.EqualTo(a.ReadFloats("logits")), "a zero vector steers nothing");
        int V = cfg.VocabSize, d = cfg.HiddenSize, T = 6;
        float[] la = a.ReadFloats("logits"), lb = b.ReadFloats("logits");
        Assert.That(lb[..(3 * V)], Is.EqualTo(la[..(3 * V)]), "positions before the steered one are causal-masked from it");
        Assert.That(lb[(3 * V)..], Is.Not.EqualTo(la[(3 * V)..]));
        // resid_pre[1] at position 3 is exactly the plain value + 2 v.
        float[] ra = a.ReadFloats("resid_pre"), rb = b.ReadFloats("resid_pre"), v = new SafetensorsFile(vec).ReadFloats("vector");
        var diff = Enumerable.Range(0, d).Select(i => rb[(1 * T + 3) * d + i] - ra[(1 * T + 3) * d + i]).ToArray();
        Assert.That(TestData.RelMaxError(diff, v.Select(x => 2 * x).ToArray()), Is.LessThan(1e-5));
    }

    [Test]
    public void TargetsAddNllAndSteeringGradientMatchingTheReference()
    {
        // A checkpoint NativeTV never made, with its autograd reference (tests/fixtures/hf).
        var dir = Fixtures.Dir("hf", "phi3_longrope");
        using var exp = new SafetensorsFile(Path.Combine(dir, "expected_long.safetensors"));
        int T = (int)exp.Tensors["ids"].Shape[1];
        var tmp = Fixtures.TempDir();
        var vec = Path.Combine(tmp, "v.safetensors");
        var v = exp.ReadFloats("steer_vector");
        new SafetensorsWriter().Add("vector", v, [v.Length]).Write(vec);
        var outPath = Path.Combine(tmp, "t.safetensors");
        var (exit, _, err) = NativetvProcess.Run("trace", "--model", dir, "--device", "cpu", "--out", outPath,
            "--ids", string.Join(",", exp.ReadInts("ids")[..T]), "--targets", string.Join(",", exp.ReadInts("targets")),
            "--steer-layer", exp.ReadInts("steer_layer")[0].ToString(), "--steer-vector", vec,
            "--steer-positions", string.Join(",", exp.ReadInts("steer_positions")), "--steer-scale", exp.ReadFloats("steer_scale")[0].ToString("R"));
        Assert.That(exit, Is.EqualTo(0), err);
        using var f = new SafetensorsFile(outPath);
        Assert.That(f.Tensors["nll"].Shape, Is.EqualTo(new long[] { 1 }));
        Assert.That(f.ReadFloats("nll")[0], Is.EqualTo(exp.ReadFloats("nll")[0]).Within(1e-4).Percent);
        Assert.That(TestData.RelMaxError(f.ReadFloats("steer_grad"), exp.ReadFloats("steer_grad")), Is.LessThan(2e-4));

        // Without steering: nll only, equal to the log-softmax of the written logits.
        Assert.That(NativetvProcess.Run("trace", "--model", dir, "--device", "cpu", "--out", outPath, "--ids", "1,5,9,13", "--targets", "1,2").Exit, Is.EqualTo(0));
        using var g = new SafetensorsFile(outPath);
        Assert.That(g.Contains("steer_grad"), Is.False);
        var logits = g.ReadFloats("logits");
        int V = (int)g.Tensors["logits"].Shape[1];
        double Nll(int t, int token)
        {
            var row = logits.Skip(t * V).Take(V).Select(x => (double)x).ToArray();
            double max = row.Max();
            return max + Math.Log(row.Sum(x => Math.Exp(x - max))) - row[token];
        }
        Assert.That(g.ReadFloats("nll")[0], Is.EqualTo((Nll(1, 9) + Nll(2, 13)) / 2).Within(1e-4).Percent);
    }
}
