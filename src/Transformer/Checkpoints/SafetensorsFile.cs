using System.IO.MemoryMappedFiles;
using System.Text.Json;
using NativeTV.Kernels;

namespace NativeTV.Transformer.Checkpoints;

/// <summary>Where one tensor lives inside a safetensors file.</summary>
public sealed record TensorEntry(string Name, string DTypeName, long[] Shape, long Begin, long End)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// A memory-mapped safetensors file: 8-byte little-endian header length, a JSON header mapping names
/// to dtype, shape and data offsets, then the data. Everything is validated on open; tensors are
/// views into the map (no copy). The map lives as long as this object or any tensor taken from it.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    public string Path { get; }
    public IReadOnlyDictionary<string, TensorEntry> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly long _dataStart;

    private const long MaxHeader = 100L << 20;

    public SafetensorsFile(string path)
    {
        Path = path;
        if (!File.Exists(path)) throw new CheckpointException(path, "file not found");
        long fileLen = new FileInfo(path).Length;
        if (fileLen < 8) throw new CheckpointException(path, $"truncated: {fileLen} bytes, a safetensors file starts with an 8-byte header length");
        ulong headerLen;
        byte[] header;
        using (var fs = File.OpenRead(path))
        {
            Span<byte> lenBytes = stackalloc byte[8];
            fs.ReadExactly(lenBytes);
            headerLen = BitConverter.ToUInt64(lenBytes);
            if (headerLen == 0 || headerLen > MaxHeader || (long)headerLen > fileLen - 8)
                throw new CheckpointException(path, $"bad header length {headerLen} for a file of {fileLen} bytes (not a safetensors file, or truncated)");
            header = new byte[headerLen];
            fs.ReadExactly(header);
        }
        _dataStart = 8 + (long)headerLen;
        (Tensors, Metadata) = ParseHeader(path, header, fileLen - _dataStart);
        if (fileLen > 0)
        {
            _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _base = p + _view.PointerOffset;
        }
    }

    private static (Dictionary<string, TensorEntry>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataLen)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException e) { throw new CheckpointException(path, $"header is not valid JSON ({e.Message})"); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new CheckpointException(path, "header is not a JSON object");
        var tensors = new Dictionary<string, TensorEntry>();
        var meta = new Dictionary<string, string>();
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (prop.Name == "__metadata__")
            {
                if (prop.Value.ValueKind == JsonValueKind.Object)
                    foreach (var m in prop.Value.EnumerateObject()) meta[m.Name] = m.Value.ToString();
                continue;
            }
            tensors[prop.Name] = ParseEntry(path, prop.Name, prop.Value, dataLen);
        }
        return (tensors, meta);
    }

    private static TensorEntry ParseEntry(string path, string name, JsonElement e, long dataLen)
    {
        try
        {
            string dtype = e.GetProperty("dtype").GetString() ?? "";
            var shape = e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            var offs = e.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            if (offs.Length != 2 || offs[0] < 0 || offs[1] < offs[0])
                throw new CheckpointException(path, $"tensor '{name}' has bad data_offsets [{string.Join(",", offs)}]");
            if (offs[1] > dataLen)
                throw new CheckpointException(path, $"tensor '{name}' ends at byte {offs[1]} of the data section but it holds only {dataLen} bytes (truncated file?)");
            if (shape.Any(s => s < 0)) throw new CheckpointException(path, $"tensor '{name}' has a negative dimension");
            var entry = new TensorEntry(name, dtype, shape, offs[0], offs[1]);
            int elem = ElementSize(dtype);
            if (elem > 0 && entry.Count * elem != offs[1] - offs[0])
                throw new CheckpointException(path, $"tensor '{name}': {dtype} x [{string.Join(",", shape)}] needs {entry.Count * elem} bytes but data_offsets span {offs[1] - offs[0]}");
            return entry;
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException(path, $"tensor '{name}' has a malformed header entry ({ex.Message})");
        }
    }

    /// <summary>Bytes per element of a safetensors dtype name, 0 when unknown to NativeTV.</summary>
    public static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8, "F32" or "I32" or "U32" => 4, "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" => 1, _ => 0,
    };

    public bool Contains(string name) => Tensors.ContainsKey(name);

    /// <summary>A zero-copy view of a floating-point tensor (F32, F16 or BF16).</summary>
    public HostTensor Get(string name)
    {
        if (!Tensors.TryGetValue(name, out var e)) throw new CheckpointException(Path, $"missing tensor '{name}'");
        var dt = DTypes.FromSafetensors(e.DTypeName)
            ?? throw new CheckpointException(Path, $"tensor '{name}' has unsupported dtype {e.DTypeName} (NativeTV reads F32, F16 and BF16)");
        return new HostTensor(name, (IntPtr)(_base + _dataStart + e.Begin), dt, e.Shape, this);
    }

    /// <summary>A float tensor widened to float32 (a copy, for small tensors).</summary>
    public float[] ReadFloats(string name) => Get(name).ToFloats();

    /// <summary>An I32 or I64 tensor as int32 values.</summary>
    public int[] ReadInts(string name)
    {
        if (!Tensors.TryGetValue(name, out var e)) throw new CheckpointException(Path, $"missing tensor '{name}'");
        byte* p = _base + _dataStart + e.Begin;
        return e.DTypeName switch
        {
            "I32" => new ReadOnlySpan<int>(p, checked((int)e.Count)).ToArray(),
            "I64" => new ReadOnlySpan<long>(p, checked((int)e.Count)).ToArray().Select(v => checked((int)v)).ToArray(),
            _ => throw new CheckpointException(Path, $"tensor '{name}' has dtype {e.DTypeName}, expected I32 or I64"),
        };
    }

    public void Dispose()
    {
        // Tensors handed out keep `this` alive; unmapping happens only on explicit dispose.
        if (_view != null) { _view.SafeMemoryMappedViewHandle.ReleasePointer(); _view.Dispose(); }
        _map?.Dispose();
    }
}
