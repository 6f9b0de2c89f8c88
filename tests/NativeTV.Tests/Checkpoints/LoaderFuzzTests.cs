using System.Diagnostics;
using System.Text;
using NativeTV.Tests.Models;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;
using NativeTV.TaskVectors;

namespace NativeTV.Tests.Checkpoints;

/// <summary>
/// Mutated safetensors files, config.json files and task files fed to the loaders (fixed seeds, a bounded
/// number of cases): each either loads into something consistent or fails with an exception type the CLI
/// reports as one line. Any other exception (overflow, index out of range, null reference...) is a bug.
/// </summary>
public class LoaderFuzzTests
{
    private const int Cases = 400;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(1.5);

    private static bool IsUserError(Exception e) =>
        e is CheckpointException or ArgumentException or IOException or InvalidOperationException or FormatException or KeyNotFoundException or UnauthorizedAccessException;

    /// <summary>Runs <paramref name="load"/> on up to <see cref="Cases"/> mutations of <paramref name="valid"/>, within the time budget.</summary>
    private static void Fuzz(byte[] valid, string path, Func<Random, byte[], byte[]> mutate, Action<string> load, int seed)
    {
        var rng = new Random(seed);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Cases && clock.Elapsed < Budget; i++)
        {
            var bytes = mutate(rng, valid);
            File.WriteAllBytes(path, bytes);
            try { load(path); }
            catch (Exception e) when (IsUserError(e))
            {
                Assert.That(e.Message, Is.Not.Empty);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, case {i}: {e.GetType().Name} for input {Convert.ToBase64String(bytes)}\n{e}");
            }
        }
    }

    /// <summary>Byte flips, JSON-significant characters, digits made huge or negative, deleted and duplicated spans.</summary>
    private static byte[] MutateText(Random rng, byte[] valid, int textStart, int textEnd)
    {
        var b = new List<byte>(valid);
        int edits = 1 + rng.Next(4);
        for (int k = 0; k < edits; k++)
        {
            int at = textStart + rng.Next(Math.Max(1, Math.Min(textEnd, b.Count) - textStart));
            if (at >= b.Count) break;
            switch (rng.Next(6))
            {
                case 0: b[at] = (byte)rng.Next(256); break;
                case 1: b[at] = "{}[],:\"-0123456789"u8[rng.Next(18)]; break;
                case 2: b.InsertRange(at, Encoding.ASCII.GetBytes(rng.Next(3) switch { 0 => "4611686018427387968", 1 => "-1", _ => "99999999999999999999" })); break;
                case 3: b.RemoveRange(at, Math.Min(b.Count - at, 1 + rng.Next(12))); break;
                case 4: b.InsertRange(at, b.GetRange(at, Math.Min(b.Count - at, 1 + rng.Next(40)))); break;
                default: b.InsertRange(at, Encoding.UTF8.GetBytes(rng.Next(2) == 0 ? "\"BF16\"" : "null")); break;
            }
        }
        return [.. b];
    }

    [Test]
    public void SafetensorsHeaders()
    {
        var path = Path.Combine(Fixtures.TempDir(), "f.safetensors");
        new SafetensorsWriter().AddMetadata("format", "pt")
            .Add("a", [1f, 2f, 3f, 4f], [2, 2]).Add("b", [5f, 6f], [2], Kernels.DType.BF16).Add("c", [7f, 8f, 9f], [3], Kernels.DType.F16).Write(path);
        var valid = File.ReadAllBytes(path);
        int headerEnd = 8 + (int)BitConverter.ToUInt64(valid);
        // Mutate the header, and now and then the length prefix or the data.
        Fuzz(valid, path, (rng, v) => rng.Next(10) switch
        {
            0 => MutateText(rng, v, 0, 8),
            1 => MutateText(rng, v, headerEnd, v.Length),
            _ => FixLength(MutateText(rng, v, 8, headerEnd), rng),
        }, LoadSafetensors, seed: 1);
    }

    [Test]
    public void RandomSafetensorsHeaders()
    {
        var path = Path.Combine(Fixtures.TempDir(), "r.safetensors");
        Fuzz([], path, (rng, _) =>
        {
            var header = new byte[rng.Next(1, 64)];
            rng.NextBytes(header);
            var data = new byte[rng.Next(0, 64)];
            return [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. data];
        }, LoadSafetensors, seed: 2);
    }

    /// <summary>Mostly keep the header-length prefix equal to the mutated header's length, so the JSON is reached.</summary>
    private static byte[] FixLength(byte[] b, Random rng)
    {
        if (rng.Next(4) == 0 || b.Length < 8) return b;
        int len = (int)Math.Min(BitConverter.ToUInt64(b), (ulong)(b.Length - 8));
        // The header ends at its last '}' when the mutation moved it.
        int end = Array.LastIndexOf(b, (byte)'}', Math.Min(b.Length - 1, 8 + len + 64));
        if (end > 8) BitConverter.GetBytes((ulong)(end - 7)).CopyTo(b, 0);
        return b;
    }

    private static void LoadSafetensors(string path)
    {
        using var f = new SafetensorsFile(path);
        long covered = 0;
        foreach (var (name, e) in f.Tensors)
        {
            if (SafetensorsFile.ElementSize(e.DTypeName) is var size and > 0) Assert.That(e.End - e.Begin, Is.EqualTo(e.Count * size));
            covered += e.End - e.Begin;
            if (Kernels.DTypes.FromSafetensors(e.DTypeName) != null) _ = f.Get(name).ToFloats();
        }
        Assert.That(covered, Is.EqualTo(new FileInfo(path).Length - 8 - (long)BitConverter.ToUInt64(File.ReadAllBytes(path).AsSpan(0, 8))));
    }

    [Test]
    public void ConfigFiles()
    {
        var dir = TinyModels.Write(TinyModels.Phi3LongRope());
        var path = Path.Combine(dir, "config.json");
        var valid = File.ReadAllBytes(path);
        Fuzz(valid, path, (rng, v) => MutateText(rng, v, 0, v.Length), p =>
        {
            var c = ModelConfig.Load(p);
            Assert.That(c.ParameterCount, Is.Positive);
            using var ck = Checkpoint.Open(dir);
            ck.CheckAll();
        }, seed: 3);
    }

    [Test]
    public void TaskFiles()
    {
        var path = Path.Combine(Fixtures.TempDir(), "t.json");
        var hendel = Encoding.UTF8.GetBytes("""{"cat": "cats", "dog": "dogs", "one": ["x", "y"], "two": "2"}""");
        var todd = Encoding.UTF8.GetBytes("""[{"input": "a", "output": ["b", "c"], "split": "train"}, {"input": 5, "output": "6"}]""");
        foreach (var (valid, seed) in new[] { (hendel, 4), (todd, 5) })
            Fuzz(valid, path, (rng, v) => MutateText(rng, v, 0, v.Length), p =>
            {
                var t = TaskLoader.LoadFile(p, "t");
                Assert.That(t.Pairs, Is.Not.Empty.And.All.Matches<(string In, string Out)>(x => x.In.Trim() != "" && x.Out.Trim() != ""));
            }, seed);
    }
}
