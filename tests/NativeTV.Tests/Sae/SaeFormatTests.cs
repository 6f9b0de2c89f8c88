using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using NativeTV.Kernels;
using NativeTV.Sae;
using NativeTV.Sae.Formats;
using NativeTV.Transformer.Checkpoints;
using SaeModel = NativeTV.Sae.Sae;

namespace NativeTV.Tests.Sae;

/// <summary>
/// Every public SAE format in tests/fixtures/sae loads into the canonical Sae, reproduces the
/// independent PyTorch reference's f and x_hat, round-trips through the SAELens writer, and bad
/// input is one CheckpointException naming the file and the problem.
/// </summary>
public class SaeFormatTests
{
    private const string Hook = "blocks.2.hook_resid_pre", Model = "tiny-test-model";
    private const int DIn = 24, DSae = 96;

    public record Case(string Dir, SaeArchitecture Arch, bool ApplyBDec, string Hook, int Layer, string Model, int K = 0)
    {
        public override string ToString() => Dir;
    }

    public static readonly Case[] Cases =
    [
        new("saelens_standard", SaeArchitecture.Standard, true, Hook, 2, Model),
        new("saelens_gated", SaeArchitecture.Gated, true, Hook, 2, Model),
        new("saelens_jumprelu", SaeArchitecture.JumpRelu, true, Hook, 2, Model),
        new("saelens_topk", SaeArchitecture.TopK, true, Hook, 2, Model, K: 5),
        new("saelens_pre6_standard", SaeArchitecture.Standard, false, Hook, 2, Model),
        new("saelens_normscale", SaeArchitecture.Standard, true, Hook, 2, Model),
        // resid_post_layer_1 reads the same values as blocks.2.hook_resid_pre.
        new("dictlearn_gated", SaeArchitecture.Gated, true, "blocks.1.hook_resid_post", 1, Model),
        new("gemmascope_jumprelu", SaeArchitecture.JumpRelu, false, "", -1, ""),
    ];

    private static SaeModel LoadCase(Case c) => SaeLoader.Load(Fixtures.Dir("sae", c.Dir));

    [TestCaseSource(nameof(Cases))]
    public void LoadsWithArchitectureShapeAndHook(Case c)
    {
        var s = LoadCase(c);
        Assert.That(s.Arch, Is.EqualTo(c.Arch));
        Assert.That((s.DIn, s.DSae), Is.EqualTo((DIn, DSae)));
        Assert.That(s.ApplyBDecToInput, Is.EqualTo(c.ApplyBDec));
        Assert.That((s.HookName, s.HookLayer, s.ModelName), Is.EqualTo((c.Hook, c.Layer, c.Model)));
        Assert.That(s.K, Is.EqualTo(c.K));
        Assert.That(s.FoldedNormScale, c.Dir == "saelens_normscale" ? Is.EqualTo(0.08519964665174484f) : Is.Null);
        Assert.That(s.WEnc, Has.Length.EqualTo(DIn * DSae));
        Assert.That(s.WDec, Has.Length.EqualTo(DIn * DSae));
        Assert.That(s.BDec, Has.Length.EqualTo(DIn));
        bool gated = c.Arch == SaeArchitecture.Gated;
        Assert.That(s.BEnc, gated ? Is.Null : Has.Length.EqualTo(DSae));
        Assert.That(s.BGate, gated ? Has.Length.EqualTo(DSae) : Is.Null);
        Assert.That(s.Threshold, c.Arch == SaeArchitecture.JumpRelu ? Has.Length.EqualTo(DSae) : Is.Null);
    }

    [TestCaseSource(nameof(Cases))]
    public void ScalarReferenceReproducesExpectedOutputs(Case c)
    {
        var s = LoadCase(c);
        using var exp = new SafetensorsFile(Fixtures.Dir("sae", c.Dir, "expected.safetensors"));
        float[] x = exp.ReadFloats("x"), f = exp.ReadFloats("f"), xHat = exp.ReadFloats("x_hat");
        int rows = x.Length / DIn;
        Assert.That(rows, Is.EqualTo(7));
        for (int r = 0; r < rows; r++)
        {
            var fr = SaeScalarReference.Encode(s, x.AsSpan(r * DIn, DIn));
            var xr = SaeScalarReference.Decode(s, fr);
            Assert.That(RowRelErr(fr, f.AsSpan(r * DSae, DSae)), Is.LessThanOrEqualTo(1e-4), $"f row {r}");
            Assert.That(RowRelErr(xr, xHat.AsSpan(r * DIn, DIn)), Is.LessThanOrEqualTo(1e-4), $"x_hat row {r}");
            // The same features are active (the fixtures keep every decision 1e-3 away from a tie).
            for (int j = 0; j < DSae; j++) Assert.That(fr[j] > 0, Is.EqualTo(f[r * DSae + j] > 0), $"row {r} feature {j}");
        }
    }

    /// <summary>max |a - b| / max |b| over one row.</summary>
    private static double RowRelErr(double[] a, ReadOnlySpan<float> b)
    {
        double diff = 0, scale = 0;
        for (int i = 0; i < a.Length; i++) { diff = Math.Max(diff, Math.Abs(a[i] - b[i])); scale = Math.Max(scale, Math.Abs(b[i])); }
        return diff / Math.Max(scale, 1e-30);
    }

    [TestCaseSource(nameof(Cases))]
    public void SaveThenLoadRoundTripsExactly(Case c)
    {
        var s = LoadCase(c);
        var dir = Path.Combine(Fixtures.TempDir(), "sae");
        SaeLensWriter.Save(s, dir);
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "cfg.json")))!;
        Assert.That(cfg["normalize_activations"]!.GetValue<string>(), Is.EqualTo("none"));
        Assert.That(cfg["dtype"]!.GetValue<string>(), Is.EqualTo("float32"));
        var back = SaeLoader.Load(dir);
        AssertSame(back, s);
        Assert.That(back.Source, Is.EqualTo(dir));
        Assert.That(Directory.GetDirectories(Path.GetDirectoryName(dir)!), Is.EqualTo(new[] { dir }), "no temporary folder left behind");
        // Saving again over the existing folder replaces it.
        SaeLensWriter.Save(s, dir);
        AssertSame(SaeLoader.Load(dir), s);
    }

    private static void AssertSame(SaeModel a, SaeModel b)
    {
        Assert.That((a.Arch, a.DIn, a.DSae, a.K, a.ApplyBDecToInput), Is.EqualTo((b.Arch, b.DIn, b.DSae, b.K, b.ApplyBDecToInput)));
        Assert.That((a.HookName, a.HookLayer, a.ModelName, a.FoldedNormScale), Is.EqualTo((b.HookName, b.HookLayer, b.ModelName, b.FoldedNormScale)));
        Assert.That(a.WEnc, Is.EqualTo(b.WEnc));
        Assert.That(a.WDec, Is.EqualTo(b.WDec));
        Assert.That(a.BDec, Is.EqualTo(b.BDec));
        Assert.That(a.BEnc, Is.EqualTo(b.BEnc));
        Assert.That(a.BGate, Is.EqualTo(b.BGate));
        Assert.That(a.RMag, Is.EqualTo(b.RMag));
        Assert.That(a.BMag, Is.EqualTo(b.BMag));
        Assert.That(a.Threshold, Is.EqualTo(b.Threshold));
    }

    [Test]
    public void NormScaleIsFoldedAsSaeLens6Does()
    {
        var raw = SaeLensFormat.Load(CopyCase("saelens_normscale", deleteScaler: true));
        var folded = LoadCase(Cases.Single(c => c.Dir == "saelens_normscale"));
        double s = 0.08519964665174484f;
        Assert.That(raw.FoldedNormScale, Is.Null, "no activation_scaler.json: run unscaled, as SAELens does");
        for (int i = 0; i < raw.WEnc.Length; i++) Assert.That(folded.WEnc[i], Is.EqualTo((float)(raw.WEnc[i] * s)));
        for (int i = 0; i < raw.WDec.Length; i++) Assert.That(folded.WDec[i], Is.EqualTo((float)(raw.WDec[i] / s)));
        for (int i = 0; i < raw.BDec.Length; i++) Assert.That(folded.BDec[i], Is.EqualTo((float)(raw.BDec[i] / s)));
        Assert.That(folded.BEnc, Is.EqualTo(raw.BEnc));
    }

    [Test]
    public void ConstantNormRescaleIsRejectedAsUnsupported()
    {
        var dir = Fixtures.Dir("sae", "saelens_constnorm");
        var e = Assert.Throws<CheckpointException>(() => SaeLoader.Load(dir))!;
        Assert.That(e.Message, Does.Contain(Path.Combine(dir, "cfg.json")).And.Contain("constant_norm_rescale").And.Contain("not supported"));
    }

    // ---- other spellings of the same SAEs ----

    [Test]
    public void HalfPrecisionWeightsLoad([Values(DType.F16, DType.BF16)] DType dtype)
    {
        var reference = LoadCase(Cases[0]);
        var dir = CopyCase("saelens_standard");
        RewriteWeights(dir, w => w, dtype);
        var s = SaeLoader.Load(dir);
        float tol = dtype == DType.BF16 ? 1f / 128 : 1f / 1024;
        for (int i = 0; i < s.WEnc.Length; i++) Assert.That(s.WEnc[i], Is.EqualTo(reference.WEnc[i]).Within(tol * Math.Abs(reference.WEnc[i]) + 1e-6f));
    }

    [Test]
    public void Pre6TopKConfigReadsKFromActivationFnKwargs()
    {
        var dir = CopyCase("saelens_topk");
        EditCfg(dir, o =>
        {
            o.Remove("k");
            o["architecture"] = "standard";
            o["activation_fn_str"] = "topk";
            o["activation_fn_kwargs"] = new JsonObject { ["k"] = 7 };
        });
        var s = SaeLoader.Load(dir);
        Assert.That((s.Arch, s.K), Is.EqualTo((SaeArchitecture.TopK, 7)));
    }

    [Test]
    public void LogThresholdAndFinetuningScalingFactorAreConverted()
    {
        var reference = LoadCase(Cases[2]);
        var dir = CopyCase("saelens_jumprelu");
        var sf = Enumerable.Range(0, DSae).Select(i => 1f + i / 64f).ToArray();
        RewriteWeights(dir, w =>
        {
            w["log_threshold"] = (w["threshold"].Values.Select(v => MathF.Log(v)).ToArray(), w["threshold"].Shape);
            w.Remove("threshold");
            w["finetuning_scaling_factor"] = (sf, [DSae]);
            return w;
        });
        var s = SaeLoader.Load(dir);
        for (int j = 0; j < DSae; j++) Assert.That(s.Threshold![j], Is.EqualTo(reference.Threshold![j]).Within(1e-6f * reference.Threshold[j]));
        for (int j = 0; j < DSae; j++)
            for (int i = 0; i < DIn; i++) Assert.That(s.WDec[j * DIn + i], Is.EqualTo(reference.WDec[j * DIn + i] * sf[j]));
    }

    [Test]
    public void DictionaryLearningStandardAndTopKStateDictsMapToCanonical()
    {
        var std = LoadCase(Cases[0]);
        var dir = Fixtures.TempDir();
        var path = Path.Combine(dir, "ae.safetensors");
        new SafetensorsWriter()
            .Add("encoder.weight", Transpose(std.WEnc, DIn, DSae), [DSae, DIn])
            .Add("encoder.bias", std.BEnc!, [DSae])
            .Add("decoder.weight", Transpose(std.WDec, DSae, DIn), [DIn, DSae])
            .Add("bias", std.BDec, [DIn])
            .Write(path);
        var s = SaeLoader.Load(path);
        Assert.That((s.Arch, s.ApplyBDecToInput), Is.EqualTo((SaeArchitecture.Standard, true)));
        Assert.That(s.WEnc, Is.EqualTo(std.WEnc));
        Assert.That(s.WDec, Is.EqualTo(std.WDec));
        Assert.That(s.BDec, Is.EqualTo(std.BDec));
        Assert.That(s.BEnc, Is.EqualTo(std.BEnc));

        new SafetensorsWriter()
            .Add("encoder.weight", Transpose(std.WEnc, DIn, DSae), [DSae, DIn])
            .Add("encoder.bias", std.BEnc!, [DSae])
            .Add("decoder.weight", Transpose(std.WDec, DSae, DIn), [DIn, DSae])
            .Add("b_dec", std.BDec, [DIn])
            .Add("k", [9], [])
            .Add("threshold", [-1f], [])
            .Write(path);
        var t = SaeLoader.Load(dir);
        Assert.That((t.Arch, t.K), Is.EqualTo((SaeArchitecture.TopK, 9)));
        Assert.That(t.WEnc, Is.EqualTo(std.WEnc));
    }

    [Test]
    public void NpyFortranOrderAndFloat64AreRead()
    {
        // [[1, 2, 3], [4, 5, 6]] stored column by column.
        var colMajor = new List<byte>();
        foreach (var v in new[] { 1.0, 4, 2, 5, 3, 6 }) colMajor.AddRange(BitConverter.GetBytes(v));
        var npy = Npy("<f8", true, "(2, 3)", colMajor.ToArray());
        var r = NpyReader.Read(new MemoryStream(npy), "mem.npz", "a.npy");
        Assert.That(r.Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(r.Values, Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
    }

    [Test]
    public void GemmaScopeHookComesFromThePath()
    {
        var dir = Path.Combine(Fixtures.TempDir(), "gemma-scope-2b-pt-res", "layer_12", "width_16k", "average_l0_82");
        Directory.CreateDirectory(dir);
        File.Copy(Fixtures.Dir("sae", "gemmascope_jumprelu", "params.npz"), Path.Combine(dir, "params.npz"));
        var s = SaeLoader.Load(Path.Combine(dir, "params.npz"));
        Assert.That((s.HookName, s.HookLayer), Is.EqualTo(("blocks.12.hook_resid_post", 12)));
    }

    // ---- bad input: one CheckpointException naming the file and the problem ----

    private static void ExpectError(string path, string file, params string[] problem)
    {
        var e = Assert.Throws<CheckpointException>(() => SaeLoader.Load(path))!;
        Assert.That(e.Message, Does.Contain(file));
        foreach (var p in problem) Assert.That(e.Message, Does.Contain(p));
    }

    [Test]
    public void MissingCfgField()
    {
        var dir = CopyCase("saelens_standard");
        EditCfg(dir, o => o.Remove("d_sae"));
        ExpectError(dir, Path.Combine(dir, "cfg.json"), "missing field 'd_sae'");
    }

    [Test]
    public void CfgNotJson()
    {
        var dir = CopyCase("saelens_standard");
        File.WriteAllText(Path.Combine(dir, "cfg.json"), "{\"d_in\": 24,");
        ExpectError(dir, Path.Combine(dir, "cfg.json"), "not valid JSON");
    }

    [Test]
    public void UnknownArchitecture()
    {
        var dir = CopyCase("saelens_standard");
        EditCfg(dir, o => o["architecture"] = "matryoshka_batchtopk");
        ExpectError(dir, Path.Combine(dir, "cfg.json"), "unknown architecture 'matryoshka_batchtopk'");
    }

    [Test]
    public void TopKWithoutK()
    {
        var dir = CopyCase("saelens_topk");
        EditCfg(dir, o => o.Remove("k"));
        ExpectError(dir, Path.Combine(dir, "cfg.json"), "needs 'k'");
    }

    [Test]
    public void ShapeMismatchBetweenCfgAndTensors()
    {
        var dir = CopyCase("saelens_standard");
        EditCfg(dir, o => o["d_in"] = 32);
        ExpectError(dir, Path.Combine(dir, "sae_weights.safetensors"), "'W_enc'", "[24,96]", "[32,96]", "d_in 32");
    }

    [Test]
    public void MissingTensor()
    {
        var dir = CopyCase("saelens_gated");
        RewriteWeights(dir, w => { w.Remove("r_mag"); return w; });
        ExpectError(dir, Path.Combine(dir, "sae_weights.safetensors"), "missing tensor 'r_mag'");
    }

    [Test]
    public void CfgWithoutWeights()
    {
        var dir = CopyCase("saelens_standard");
        File.Delete(Path.Combine(dir, "sae_weights.safetensors"));
        ExpectError(dir, dir, "no sae_weights.safetensors");
    }

    [Test]
    public void DictionaryLearningConfigDisagreesWithWeights()
    {
        var dir = CopyCase("dictlearn_gated");
        var cfg = Path.Combine(dir, "config.json");
        File.WriteAllText(cfg, File.ReadAllText(cfg).Replace("\"dict_size\": 96", "\"dict_size\": 128"));
        ExpectError(dir, Path.Combine(dir, "ae.safetensors"), "dict_size 128");
    }

    [Test]
    public void TruncatedNpz()
    {
        var dir = CopyCase("gemmascope_jumprelu");
        var npz = Path.Combine(dir, "params.npz");
        File.WriteAllBytes(npz, File.ReadAllBytes(npz)[..5000]);
        ExpectError(dir, npz, "not a valid .npz");
    }

    [Test]
    public void GarbageNpz()
    {
        var dir = Fixtures.TempDir();
        var npz = Path.Combine(dir, "params.npz");
        File.WriteAllBytes(npz, Encoding.ASCII.GetBytes("this is not a zip file at all"));
        ExpectError(dir, npz, "not a valid .npz");
    }

    [Test]
    public void GarbageNpyInsideNpz()
    {
        var npz = WriteNpz(("W_enc.npy", Encoding.ASCII.GetBytes("PK garbage, not numpy")));
        ExpectError(npz, npz, "'W_enc.npy'", "magic");
    }

    [Test]
    public void TruncatedNpyInsideNpz()
    {
        var npy = Npy("<f4", false, "(24, 96)", new byte[100]);
        var npz = WriteNpz(("W_enc.npy", npy));
        ExpectError(npz, npz, "'W_enc.npy'", "truncated");
    }

    [Test]
    public void TruncatedNpyStream()
    {
        var npy = Npy("<f4", false, "(24, 96)", new byte[100]);
        var e = Assert.Throws<CheckpointException>(() => NpyReader.Read(new MemoryStream(npy), "x.npz", "W_enc.npy"))!;
        Assert.That(e.Message, Does.Contain("x.npz").And.Contain("'W_enc.npy'").And.Contain("truncated"));
    }

    [Test]
    public void UnsupportedNpyDtype()
    {
        var npz = WriteNpz(("W_enc.npy", Npy(">f4", false, "(2,)", new byte[8])));
        ExpectError(npz, npz, "'W_enc.npy'", "'>f4'");
    }

    [Test]
    public void NpzMissingArray()
    {
        var full = GemmaScopeFormat.ReadNpz(Fixtures.Dir("sae", "gemmascope_jumprelu", "params.npz"));
        var members = full.Where(kv => kv.Key != "threshold")
            .Select(kv => (kv.Key + ".npy", Npy("<f4", false, $"({string.Join(", ", kv.Value.Shape)},)", F32Bytes(kv.Value.Values))))
            .ToArray();
        var npz = WriteNpz(members);
        ExpectError(npz, npz, "missing array 'threshold'");
    }

    [Test]
    public void DInDiffersFromModel()
    {
        var dir = Fixtures.Dir("sae", "saelens_standard");
        var e = Assert.Throws<CheckpointException>(() => SaeLoader.Load(dir, expectedDIn: 32))!;
        Assert.That(e.Message, Does.Contain(dir).And.Contain("d_in 24").And.Contain("d_model 32"));
        Assert.That(SaeLoader.Load(dir, expectedDIn: 24).DIn, Is.EqualTo(24));
    }

    [Test]
    public void NothingRecognisable()
    {
        var dir = Fixtures.TempDir();
        ExpectError(dir, dir, "cfg.json", "ae.safetensors", "params.npz");
        ExpectError(Path.Combine(dir, "nope"), Path.Combine(dir, "nope"), "not found");
    }

    // ---- helpers ----

    internal static string CopyCase(string name, bool deleteScaler = false)
    {
        var dir = Path.Combine(Fixtures.TempDir(), name);
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(Fixtures.Dir("sae", name))) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        if (deleteScaler) File.Delete(Path.Combine(dir, "activation_scaler.json"));
        return dir;
    }

    internal static void EditCfg(string dir, Action<JsonObject> edit)
    {
        var path = Path.Combine(dir, "cfg.json");
        var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(o);
        File.WriteAllText(path, o.ToJsonString());
    }

    internal static void RewriteWeights(string dir, Func<Dictionary<string, (float[] Values, long[] Shape)>, Dictionary<string, (float[] Values, long[] Shape)>> edit, DType dtype = DType.F32)
    {
        var path = Path.Combine(dir, "sae_weights.safetensors");
        Dictionary<string, (float[], long[])> w;
        using (var f = new SafetensorsFile(path))
            w = f.Tensors.ToDictionary(kv => kv.Key, kv => (f.ReadFloats(kv.Key), kv.Value.Shape));
        var writer = new SafetensorsWriter();
        foreach (var (name, (values, shape)) in edit(w)) writer.Add(name, values, shape, dtype);
        writer.Write(path);
    }

    private static float[] Transpose(float[] a, int rows, int cols)
    {
        var t = new float[a.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }

    private static byte[] F32Bytes(float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();

    /// <summary>A version 1.0 .npy: magic, header padded so the data starts 64-byte aligned, data.</summary>
    private static byte[] Npy(string descr, bool fortran, string shape, byte[] data)
    {
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";
        int total = 10 + dict.Length + 1;
        dict = dict.PadRight(dict.Length + (64 - total % 64) % 64) + "\n";
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        ms.Write(BitConverter.GetBytes((ushort)dict.Length));
        ms.Write(Encoding.ASCII.GetBytes(dict));
        ms.Write(data);
        return ms.ToArray();
    }

    private static string WriteNpz(params (string Name, byte[] Bytes)[] members)
    {
        var path = Path.Combine(Fixtures.TempDir(), "params.npz");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in members)
        {
            using var s = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
            s.Write(bytes);
        }
        return path;
    }
}
