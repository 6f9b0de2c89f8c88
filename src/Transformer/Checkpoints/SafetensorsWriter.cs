using NativeTV.Transformer.Files;
using System.Text;
using System.Text.Json;
using NativeTV.Kernels;

namespace NativeTV.Transformer.Checkpoints;

/// <summary>Collects tensors and writes a safetensors file atomically (temp file, then rename).</summary>
public sealed class SafetensorsWriter
{
    private readonly List<(string Name, string DType, long[] Shape, byte[] Data)> _tensors = [];
    private readonly Dictionary<string, string> _metadata = [];

    public SafetensorsWriter AddMetadata(string key, string value) { _metadata[key] = value; return this; }

    public SafetensorsWriter Add(string name, ReadOnlySpan<float> values, long[] shape, DType dtype = DType.F32)
    {
        CheckCount(name, values.Length, shape);
        var bytes = new byte[values.Length * dtype.Size()];
        for (int i = 0; i < values.Length; i++)
        {
            switch (dtype)
            {
                case DType.F32: BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), values[i]); break;
                case DType.BF16: BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), DTypes.FloatToBF16(values[i])); break;
                case DType.F16: BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), DTypes.FloatToF16(values[i])); break;
            }
        }
        _tensors.Add((name, dtype.SafetensorsName(), shape, bytes));
        return this;
    }

    public SafetensorsWriter Add(string name, ReadOnlySpan<int> values, long[] shape)
    {
        CheckCount(name, values.Length, shape);
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), values[i]);
        _tensors.Add((name, "I32", shape, bytes));
        return this;
    }

    private static void CheckCount(string name, int n, long[] shape)
    {
        if (shape.Aggregate(1L, (a, b) => a * b) != n) throw new ArgumentException($"tensor '{name}': {n} values do not fill shape [{string.Join(",", shape)}]");
    }

    public long DataBytes => _tensors.Sum(t => (long)t.Data.Length);

    public void Write(string path)
    {
        var header = new Dictionary<string, object>();
        if (_metadata.Count > 0) header["__metadata__"] = _metadata;
        long offset = 0;
        foreach (var t in _tensors)
        {
            header[t.Name] = new { dtype = t.DType, shape = t.Shape, data_offsets = new[] { offset, offset + t.Data.Length } };
            offset += t.Data.Length;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, tmp =>
        {
            using var fs = File.Create(tmp);
            fs.Write(BitConverter.GetBytes((ulong)padded));
            fs.Write(json);
            for (int i = json.Length; i < padded; i++) fs.WriteByte((byte)' ');
            foreach (var t in _tensors) fs.Write(t.Data);
        });
    }
}
