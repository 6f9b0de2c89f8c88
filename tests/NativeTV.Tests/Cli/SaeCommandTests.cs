using NativeTV.Tests.Ops;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Tests.Cli;

/// <summary>`nativetv sae encode` and `sae pursuit` keep their relied-on interfaces and match the reference.</summary>
public class SaeCommandTests
{
    private static readonly string Sae = Path.Combine("sae", "saelens_gated");

    [Test]
    public void EncodeWritesFeaturesAndReconstruction()
    {
        var dir = Fixtures.Dir(Sae);
        var outPath = Path.Combine(Fixtures.TempDir(), "f.safetensors");
        var (exit, _, err) = NativetvProcess.Run("sae", "encode", "--sae", dir, "--in", Path.Combine(dir, "expected.safetensors"), "--out", outPath, "--device", "cpu");
        Assert.That(exit, Is.EqualTo(0), err);
        using var f = new SafetensorsFile(outPath);
        using var exp = new SafetensorsFile(Path.Combine(dir, "expected.safetensors"));
        Assert.That(f.Tensors["f"].Shape, Is.EqualTo(exp.Tensors["f"].Shape));
        Assert.That(TestData.RelMaxError(f.ReadFloats("f"), exp.ReadFloats("f")), Is.LessThan(1e-4));
        Assert.That(TestData.RelMaxError(f.ReadFloats("x_hat"), exp.ReadFloats("x_hat")), Is.LessThan(1e-4));
    }

    [Test]
    public void PursuitWritesCoefficientsAndReconstruction()
    {
        var dir = Fixtures.Dir(Sae);
        var outPath = Path.Combine(Fixtures.TempDir(), "p.safetensors");
        var (exit, _, err) = NativetvProcess.Run("sae", "pursuit", "--sae", dir, "--in", Path.Combine(dir, "expected.safetensors"), "--k", "4",
            "--subtract-b-dec", "--normalize-rows", "--out", outPath, "--device", "cpu");
        Assert.That(exit, Is.EqualTo(0), err);
        using var f = new SafetensorsFile(outPath);
        using var exp = new SafetensorsFile(Path.Combine(dir, "expected.safetensors"));
        Assert.That(TestData.RelMaxError(f.ReadFloats("coeffs"), exp.ReadFloats("pursuit_k4_subbdec_norm_coeffs")), Is.LessThan(1e-4));
        Assert.That(TestData.RelMaxError(f.ReadFloats("recon"), exp.ReadFloats("pursuit_k4_subbdec_norm_recon")), Is.LessThan(1e-4));
    }

    [Test]
    public void InputOfTheWrongWidthIsAClearError()
    {
        var tmp = Fixtures.TempDir();
        var bad = Path.Combine(tmp, "y.safetensors");
        new SafetensorsWriter().Add("y", new float[10], [2, 5]).Write(bad);
        var (exit, _, err) = NativetvProcess.Run("sae", "pursuit", "--sae", Fixtures.Dir(Sae), "--in", bad, "--out", Path.Combine(tmp, "o.safetensors"), "--device", "cpu");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain(bad).And.Contain("expected [N, 24]"));
    }

    [Test]
    public void TrainHarvestsAModelAndSavesAnSaeThatLoadsAndEncodes()
    {
        // A tiny Phi-3 with the fixture SentencePiece tokenizer (vocabulary 420), and a small corpus.
        var cfg = NativeTV.Transformer.Model.RandomModel.TinyConfig(NativeTV.Transformer.Checkpoints.Architecture.Phi3, NativeTV.Kernels.DType.F32, vocab: 420);
        var model = NativeTV.Tests.Models.TinyModels.Write(cfg);
        File.Copy(Fixtures.Dir("spm", "llama_like.model"), Path.Combine(model, "tokenizer.model"));
        var tmp = Fixtures.TempDir();
        var corpus = Path.Combine(tmp, "corpus.jsonl");
        File.WriteAllLines(corpus, Enumerable.Repeat(File.ReadAllLines(Fixtures.Dir("spm", "corpus.txt")), 10).SelectMany(x => x)
            .Select(l => System.Text.Json.JsonSerializer.Serialize(new { text = l })));
        var outDir = Path.Combine(tmp, "sae");
        var (exit, stdout, err) = NativetvProcess.Run("sae", "train", "--model", model, "--layer", "1", "--corpus", corpus, "--out", outDir,
            "--expansion", "2", "--steps", "50", "--batch", "64", "--context", "16", "--max-vectors", "1000", "--normalize", "--device", "cpu");
        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain("variance explained"));
        var sae = NativeTV.Sae.Formats.SaeLoader.Load(outDir, expectedDIn: cfg.HiddenSize);
        Assert.That((sae.DSae, sae.HookName, sae.HookLayer), Is.EqualTo((2 * cfg.HiddenSize, "blocks.1.hook_resid_pre", 1)));
        Assert.That(sae.FoldedNormScale, Is.Not.Null);

        var bad = Path.Combine(tmp, "bad.jsonl");
        File.WriteAllText(bad, "{\"nottext\": 1}\n");
        var r = NativetvProcess.Run("sae", "train", "--model", model, "--layer", "1", "--corpus", bad, "--out", outDir, "--device", "cpu");
        Assert.That((r.Exit, r.Err.Contains("line 1 is not a JSON object with a \"text\" string")), Is.EqualTo((1, true)), r.Err);
    }

    [Test]
    public void TrainsAGatedSaeFromAnOnDiskShuffleBuffer()
    {
        var cfg = NativeTV.Transformer.Model.RandomModel.TinyConfig(NativeTV.Transformer.Checkpoints.Architecture.Phi3, NativeTV.Kernels.DType.F32, vocab: 420);
        var model = NativeTV.Tests.Models.TinyModels.Write(cfg);
        File.Copy(Fixtures.Dir("spm", "llama_like.model"), Path.Combine(model, "tokenizer.model"));
        var tmp = Fixtures.TempDir();
        var corpus = Path.Combine(tmp, "corpus.txt");
        File.WriteAllLines(corpus, Enumerable.Repeat(File.ReadAllLines(Fixtures.Dir("spm", "corpus.txt")), 10).SelectMany(x => x));
        var outDir = Path.Combine(tmp, "sae");
        var bufferDir = Path.Combine(tmp, "buffer");
        var (exit, stdout, err) = NativetvProcess.Run("sae", "train", "--model", model, "--layer", "1", "--corpus", corpus, "--out", outDir,
            "--arch", "gated", "--buffer-dir", bufferDir, "--expansion", "2", "--steps", "30", "--batch", "64", "--context", "16",
            "--max-vectors", "500", "--normalize", "--device", "cpu");
        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain("gated SAE").And.Contain("variance explained"));
        var sae = NativeTV.Sae.Formats.SaeLoader.Load(outDir, expectedDIn: cfg.HiddenSize);
        Assert.That((sae.Arch, sae.DSae, sae.BEnc), Is.EqualTo((NativeTV.Sae.SaeArchitecture.Gated, 2 * cfg.HiddenSize, (float[]?)null)));
        Assert.That(sae.FoldedNormScale, Is.Not.Null);
        Assert.That(Directory.EnumerateFiles(bufferDir), Is.Empty, "the buffer file is removed when training ends");

        var r = NativetvProcess.Run("sae", "train", "--model", model, "--layer", "1", "--corpus", corpus, "--out", outDir, "--arch", "topk", "--device", "cpu");
        Assert.That((r.Exit, r.Err.Contains("--arch topk: NativeTV trains relu or gated SAEs")), Is.EqualTo((1, true)), r.Err);
    }
}
