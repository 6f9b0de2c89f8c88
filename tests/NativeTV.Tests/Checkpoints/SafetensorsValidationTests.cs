using System.Text;
using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Tests.Checkpoints;

/// <summary>Headers the safetensors format refuses are refused here too, each with one error naming the file.</summary>
public class SafetensorsValidationTests
{
    private static void Expect(string headerJson, int dataBytes, params string[] problem) =>
        Expect(Encoding.UTF8.GetBytes(headerJson), dataBytes, problem);

    private static void Expect(byte[] header, int dataBytes, params string[] problem)
    {
        var f = Path.Combine(Fixtures.TempDir(), "x.safetensors");
        RawSafetensors.Write(f, header, dataBytes);
        var e = Assert.Throws<CheckpointException>(() => new SafetensorsFile(f).Dispose())!;
        Assert.That(e.Message, Does.StartWith(f));
        foreach (var p in problem) Assert.That(e.Message, Does.Contain(p));
    }

    [Test]
    public void ShapeWhoseByteCountWrapsAround()
    {
        // (2^62 + 64) * 4 bytes is 2^64 + 256: 256 in unchecked 64-bit arithmetic.
        Expect("""{"a":{"dtype":"F32","shape":[4611686018427387968],"data_offsets":[0,256]}}""", 256, "tensor 'a'", "too many bytes");
        Expect("""{"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,256]}}""", 256, "too many elements");
    }

    [Test]
    public void OverlappingTensors() =>
        Expect("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", 24, "'b'", "overlaps tensor 'a'");

    [Test]
    public void HoleBetweenTensors() =>
        Expect("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}""", 24, "'b'", "hole of 8 bytes");

    [Test]
    public void TrailingBytes() =>
        Expect("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 16, "8 unindexed trailing bytes");

    [Test]
    public void DuplicateTensorName() =>
        Expect("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", 16, "'a'");

    [Test]
    public void InvalidUtf8() =>
        Expect([.. "{\"a"u8, 0xFF, .. "\":{}}"u8], 0, "header is not valid UTF-8");

    [Test]
    public void NumberWhereAStringBelongs() =>
        Expect("""{"a":{"dtype":5,"shape":[2],"data_offsets":[0,8]}}""", 8, "tensor 'a' has dtype the number 5, expected a string");

    [Test]
    public void StringWhereANumberBelongs() =>
        Expect("""{"a":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}""", 8, "tensor 'a' has shape element \"2\"");

    [Test]
    public void EntryNotAnObject() => Expect("""{"a":[1]}""", 0, "tensor 'a' is an array");

    [Test]
    public void FolderWhereTheFileBelongs()
    {
        var dir = Fixtures.TempDir();
        var e = Assert.Throws<CheckpointException>(() => new SafetensorsFile(dir))!;
        Assert.That(e.Message, Is.EqualTo($"{dir}: is a folder, expected a file"));
    }

    [TestCase(DType.F32, float.NaN, "NaN"), TestCase(DType.F16, float.PositiveInfinity, "+Inf"), TestCase(DType.BF16, float.NegativeInfinity, "-Inf")]
    public void NonFiniteWeights(DType dtype, float bad, string shown)
    {
        var f = Path.Combine(Fixtures.TempDir(), "w.safetensors");
        var values = Enumerable.Range(0, 100).Select(i => i * 0.5f).ToArray();
        values[77] = bad;
        new SafetensorsWriter().Add("ok", [1f, 2f], [2], dtype).Add("w", values, [10, 10], dtype).Write(f);
        using var file = new SafetensorsFile(f);
        Assert.That(file.Get("ok").ToFloats(), Is.EqualTo(new[] { 1f, 2f }));
        var e = Assert.Throws<CheckpointException>(() => file.Get("w"))!;
        Assert.That(e.Message, Is.EqualTo($"{f}: tensor 'w' holds {shown} at element 77 (a diverged or corrupt file)"));
    }

    [Test]
    public void NonFiniteScanFindsEveryPositionOfAVector()
    {
        var v = new float[67];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = float.NaN;
            Assert.That(NonFinite.Find(v), Is.EqualTo(i));
            v[i] = float.MaxValue;
        }
        Assert.That(NonFinite.Find(v), Is.EqualTo(-1));
    }
}
