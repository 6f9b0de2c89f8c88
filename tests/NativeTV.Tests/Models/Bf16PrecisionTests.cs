using NativeTV.Kernels;
using NativeTV.Kernels.Cpu;
using NativeTV.Transformer.Model;
using NativeTV.Tests.Ops;

namespace NativeTV.Tests.Models;

/// <summary>
/// A whole model in bf16 precision (tensor-core matmuls on the ILGPU backends, oneDNN on cpu) against float32 on cpu (itself
/// within 2e-4 of float64): the documented bounds of issue 12: logits within 2e-2 of the largest logit, and the
/// steering gradient at a middle layer with cosine >= 0.999. The bf16 checkpoint is the one HF models ship.
/// </summary>
[TestFixtureSource(nameof(Devices))]
public class Bf16PrecisionTests(string device)
{
    /// <summary>The ILGPU devices of the test run, and cpu where oneDNN is installed.</summary>
    public static IEnumerable<string> Devices => TestBackends.Names;

    /// <summary>One case: about 2 minutes on the simulator (f32 weights through the tensor-core GEMM are checked by <see cref="TensorCoreGemmTests"/>).</summary>
    [Test]
    public void LogitsAndSteeringGradientAgreeWithF32()
    {
        if (device == "cpu" && !Bf16Gemm.Available) Assert.Ignore("oneDNN (libdnnl.so.2) is not installed: apt-get install libdnnl2");
        var cfg = TinyModels.Gemma(DType.BF16);
        var dir = TinyModels.Write(cfg);
        var (tok, targets, rows) = SteeringGradientTests.Problem(9, 7, leftPad: true);
        var steer = new HookAdd(new(HookPoint.ResidPre, cfg.Layers / 2), rows, TestData.Normal(new Random(4), cfg.HiddenSize), 0.7f);
        var logitRows = Enumerable.Range(0, tok.Ids.Length).Where(r => tok.Mask[r] == 1).ToArray();

        (float[] Logits, float[] Gradient) Run(IBackend be)
        {
            using (be)
            {
                using var m = TransformerModel.Load(dir, be);
                var logits = m.Forward(new ForwardRequest { Tokens = tok, LogitRows = logitRows }).Logits;
                return (logits, m.SteerGrad(tok, steer, targets).Gradient);
            }
        }

        var f32 = Run(BackendFactory.Create("cpu", Precision.F32));
        var bf16 = Run(BackendFactory.Create(device, Precision.BF16));
        Assert.That(TestData.RelMaxError(bf16.Logits, f32.Logits), Is.LessThan(2e-2), "logits");
        Assert.That(TestData.RelMaxError(bf16.Logits, f32.Logits), Is.GreaterThan(0), "bf16 must differ from f32 (is the bf16 path on?)");
        Assert.That(Cosine(bf16.Gradient, f32.Gradient), Is.GreaterThanOrEqualTo(0.999), "steering gradient");
    }

    private static double Cosine(float[] a, float[] b)
    {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++) { ab += (double)a[i] * b[i]; aa += (double)a[i] * a[i]; bb += (double)b[i] * b[i]; }
        return ab / Math.Sqrt(aa * bb);
    }
}
