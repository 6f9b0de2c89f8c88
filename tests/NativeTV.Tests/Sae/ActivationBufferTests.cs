using NativeTV.Sae.Training;
using NativeTV.Tests.Ops;

namespace NativeTV.Tests.Sae;

/// <summary>The shuffle buffer: on disk it gives exactly the in-memory batches under a seed, and the draws cover the data.</summary>
public class ActivationBufferTests
{
    private const int D = 7, Rows = 101;

    private static ActivationBuffer Build(float[] data, string? dir, int seed, int chunk = 13)
    {
        using var w = new ActivationBuffer.Writer(D, dir);
        for (int r = 0; r < Rows; r += chunk) w.Append(data.AsSpan(r * D, Math.Min(chunk, Rows - r) * D));
        return w.Finish(seed);
    }

    [Test]
    public void OnDiskGivesTheInMemoryBatchesAndStatistics()
    {
        var data = TestData.Normal(new Random(1), Rows * D);
        var dir = Fixtures.TempDir();
        using var mem = Build(data, null, seed: 4);
        string file;
        using (var disk = Build(data, dir, seed: 4))
        {
            file = disk.FilePath!;
            Assert.That(new FileInfo(file).Length, Is.EqualTo(Rows * D * 4L), "float32 rows on disk");
            Assert.That((mem.Rows, disk.Rows, mem.FilePath), Is.EqualTo((Rows, Rows, (string?)null)));
            Assert.That(disk.MeanSquaredNorm(), Is.EqualTo(mem.MeanSquaredNorm()));
            mem.Scale = disk.Scale = 0.37f;
            Assert.That(disk.TotalVariance(), Is.EqualTo(mem.TotalVariance()));
            var (a, b) = (new float[32 * D], new float[32 * D]);
            for (int s = 0; s < 12; s++)
            {
                mem.Batch(s, 32, a);
                disk.Batch(s, 32, b);
                Assert.That(b, Is.EqualTo(a), $"step {s}");
            }
            // The in-memory order is unchanged by this design: Fisher-Yates swaps of rows with Random(seed).
            var shuffled = (float[])data.Clone();
            var rng = new Random(4);
            var tmp = new float[D];
            for (int i = Rows - 1; i > 0; i--)
            {
                int j = rng.Next(i + 1);
                shuffled.AsSpan(i * D, D).CopyTo(tmp);
                shuffled.AsSpan(j * D, D).CopyTo(shuffled.AsSpan(i * D, D));
                tmp.CopyTo(shuffled.AsSpan(j * D, D));
            }
            mem.Scale = 1f;
            var row = new float[D];
            for (int i = 0; i < Rows; i++)
            {
                mem.ReadRow(i, row);
                Assert.That(row, Is.EqualTo(shuffled.AsSpan(i * D, D).ToArray()));
            }
        }
        Assert.That(File.Exists(file), Is.False, "the buffer file goes with the buffer");
        Assert.That(Directory.EnumerateFiles(dir), Is.Empty);
    }

    [Test]
    public void DrawsCoverEveryRowAndSeedsShuffleDifferently()
    {
        // Each row's value is its index, so the draws can be traced back to rows.
        var data = Enumerable.Range(0, Rows * D).Select(i => (float)(i / D)).ToArray();
        var dir = Fixtures.TempDir();
        using var disk = Build(data, dir, seed: 9);
        const int batch = 16;
        var seen = new int[Rows];
        var buf = new float[batch * D];
        int steps = 0;
        while (seen.Any(c => c == 0) && steps < 100)
        {
            int n = disk.Batch(steps++, batch, buf);
            Assert.That(n, Is.EqualTo(batch));
            for (int i = 0; i < n; i++) seen[(int)buf[i * D]]++;
        }
        TestContext.Out.WriteLine($"all {Rows} rows drawn after {steps} steps of {batch}");
        Assert.That(seen.All(c => c > 0), $"rows never drawn: {string.Join(",", Enumerable.Range(0, Rows).Where(r => seen[r] == 0))}");
        Assert.That(steps, Is.EqualTo((Rows + batch - 1) / batch), "one epoch covers every row");

        // Shuffled: a batch is not a run of consecutive rows, and another seed gives another order.
        disk.Batch(0, batch, buf);
        var first = Enumerable.Range(0, batch).Select(i => (int)buf[i * D]).ToArray();
        Assert.That(first.Zip(first.Skip(1)).Count(p => p.Second == p.First + 1), Is.LessThan(batch / 2));
        using var other = Build(data, dir, seed: 10);
        other.Batch(0, batch, buf);
        Assert.That(Enumerable.Range(0, batch).Select(i => (int)buf[i * D]), Is.Not.EqualTo(first));
        // Fewer rows than the batch: every row, each once.
        var all = new float[Rows * D];
        Assert.That(disk.Batch(5, 500, all), Is.EqualTo(Rows));
        Assert.That(Enumerable.Range(0, Rows).Select(i => (int)all[i * D]).Order(), Is.EqualTo(Enumerable.Range(0, Rows)));
    }

    [Test]
    public void AnUnfinishedWriterLeavesNoFile()
    {
        var dir = Fixtures.TempDir();
        using (var w = new ActivationBuffer.Writer(D, dir)) w.Append(new float[3 * D]);
        Assert.That(Directory.EnumerateFiles(dir), Is.Empty);
    }
}
