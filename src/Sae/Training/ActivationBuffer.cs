using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace NativeTV.Sae.Training;

/// <summary>
/// Harvested activation vectors [Rows, D], float32, stored in harvest order either in memory or in a
/// file (memory-mapped, so a harvest larger than RAM works: the OS pages rows in as batches read them),
/// and read through one seeded permutation: row i of the buffer is stored row Order[i]. Training reads
/// consecutive batches of that shuffled order (<see cref="Batch"/>). Both storages use the same code for
/// the order, the batches and the statistics, so under one seed they give identical batches.
/// </summary>
public sealed unsafe class ActivationBuffer : IDisposable
{
    public int D { get; }
    public int Rows { get; }
    /// <summary>Every vector read (batches, <see cref="TotalVariance"/>) is multiplied by this: input normalisation.</summary>
    public float Scale { get; set; } = 1f;
    /// <summary>Where the vectors live when on disk (deleted on dispose), else null.</summary>
    public string? FilePath { get; }

    private readonly int[] _order;
    private readonly float[]? _memory;
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly float* _mapped;

    private ActivationBuffer(int d, int rows, int seed, float[]? memory, string? file)
    {
        D = d; Rows = rows; _memory = memory; FilePath = file;
        if (file != null)
        {
            _map = MemoryMappedFile.CreateFromFile(file, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _mapped = (float*)(p + _view.PointerOffset);
        }
        _order = Permutation(rows, seed);
    }

    /// <summary>Vectors already in memory, harvest order (row-major [rows, d]).</summary>
    public static ActivationBuffer InMemory(float[] data, int d, int seed)
    {
        if (d <= 0 || data.Length % d != 0) throw new ArgumentException($"{data.Length} values are not rows of {d}");
        return new ActivationBuffer(d, data.Length / d, seed, data, null);
    }

    /// <summary>
    /// Collects vectors as they are harvested: into memory, or, with a <paramref name="dir"/>, appended
    /// to a float32 file there (nothing kept in memory) that the finished buffer maps.
    /// </summary>
    public sealed class Writer(int d, string? dir) : IDisposable
    {
        private readonly List<float[]> _chunks = [];
        private readonly string? _file = dir == null ? null : Path.Combine(Directory.CreateDirectory(dir).FullName, $"activations-{Environment.ProcessId}-{Guid.NewGuid():N}.f32");
        private FileStream? _stream;
        private bool _finished;
        public long Count { get; private set; }

        public void Append(ReadOnlySpan<float> rows)
        {
            if (rows.Length % d != 0) throw new ArgumentException($"{rows.Length} values are not rows of {d}");
            if (_file == null) _chunks.Add(rows.ToArray());
            else (_stream ??= new FileStream(_file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20)).Write(MemoryMarshal.AsBytes(rows));
            Count += rows.Length / d;
        }

        /// <summary>The buffer, shuffled by <paramref name="seed"/>; the writer is spent.</summary>
        public ActivationBuffer Finish(int seed)
        {
            if (Count > int.MaxValue) throw new InvalidOperationException($"{Count} vectors: at most {int.MaxValue} per buffer");
            _finished = true;
            if (_file == null) return InMemory(_chunks.Count == 1 ? _chunks[0] : Concat(_chunks), d, seed);
            _stream?.Dispose();
            _stream = null;
            if (Count == 0) { File.Delete(_file); throw new InvalidOperationException("no vectors written"); }
            return new ActivationBuffer(d, (int)Count, seed, null, _file);
        }

        private static float[] Concat(List<float[]> chunks)
        {
            var all = new float[chunks.Sum(c => (long)c.Length)];
            long at = 0;
            foreach (var c in chunks) { c.CopyTo(all, at); at += c.Length; }
            return all;
        }

        /// <summary>An unfinished writer deletes its file (a failed harvest leaves nothing behind).</summary>
        public void Dispose()
        {
            _stream?.Dispose();
            if (!_finished && _file != null && File.Exists(_file)) File.Delete(_file);
        }
    }

    /// <summary>
    /// Fisher-Yates from the last row down with Random(seed): the order the in-memory harvest has
    /// always shuffled its rows into, so in-memory training batches are unchanged.
    /// </summary>
    private static int[] Permutation(int n, int seed)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        var rng = new Random(seed);
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    private ReadOnlySpan<float> Stored(int r) => _memory != null ? _memory.AsSpan((int)((long)r * D), D) : new ReadOnlySpan<float>(_mapped + (long)r * D, D);

    /// <summary>Shuffled row i, scaled, into dst.</summary>
    public void ReadRow(int i, Span<float> dst)
    {
        var src = Stored(_order[i]);
        if (Scale == 1f) src.CopyTo(dst);
        else System.Numerics.Tensors.TensorPrimitives.Multiply(src, Scale, dst);
    }

    /// <summary>
    /// The rows training step <paramref name="step"/> reads with batch size B: Count = min(B, Rows) consecutive
    /// shuffled rows from First = step B mod Rows, wrapping past the end, so consecutive steps walk the
    /// shuffled order without gaps and every ceil(Rows / B) steps cover every row.
    /// </summary>
    public (int First, int Count) BatchRange(int step, int batch) => ((int)((long)step * batch % Rows), Math.Min(batch, Rows));

    /// <summary>The batch of <paramref name="step"/> (<see cref="BatchRange"/>) into dst [Count, D], row-major; returns Count.</summary>
    public int Batch(int step, int batch, Span<float> dst)
    {
        var (first, count) = BatchRange(step, batch);
        for (int i = 0; i < count; i++) ReadRow((int)((first + (long)i) % Rows), dst.Slice(i * D, D));
        return count;
    }

    /// <summary>Mean squared norm of the stored (unscaled) vectors.</summary>
    public double MeanSquaredNorm()
    {
        double s = 0;
        for (int r = 0; r < Rows; r++)
            foreach (float v in Stored(r)) s += (double)v * v;
        return s / Rows;
    }

    /// <summary>Sum over dims of the variance of the scaled vectors: the mse of predicting every vector by the mean.</summary>
    public double TotalVariance()
    {
        var mean = new double[D];
        var row = new float[D];
        for (int r = 0; r < Rows; r++)
        {
            Scaled(r, row);
            for (int i = 0; i < D; i++) mean[i] += row[i];
        }
        double v = 0;
        for (int r = 0; r < Rows; r++)
        {
            Scaled(r, row);
            for (int i = 0; i < D; i++) { double e = row[i] - mean[i] / Rows; v += e * e; }
        }
        return v / Rows;
    }

    private void Scaled(int storedRow, Span<float> dst)
    {
        if (Scale == 1f) Stored(storedRow).CopyTo(dst);
        else System.Numerics.Tensors.TensorPrimitives.Multiply(Stored(storedRow), Scale, dst);
    }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_view != null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _map!.Dispose();
            File.Delete(FilePath!);
        }
    }
}
