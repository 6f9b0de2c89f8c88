using System.IO.MemoryMappedFiles;
using System.Collections.Concurrent;
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
/// views into the map (no copy), each checked for NaN and Inf the first time it is taken. The map lives as long as this object or any tensor taken from it.
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
    // Names of tensors already scanned for NaN / Inf, so each is scanned once however often it is taken.
    private readonly ConcurrentDictionary<string, bool> _finite = new();

    private const long MaxHeader = 100L << 20;

    public SafetensorsFile(string path)
    {
        Path = path;
        CheckpointFiles.Require(path);
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
        (Tensors, Metadata) = SafetensorsHeader.Parse(path, header, fileLen - _dataStart);
        if (fileLen > 0)
        {
            _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _base = p + _view.PointerOffset;
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
        var data = (IntPtr)(_base + _dataStart + e.Begin);
        if (!_finite.ContainsKey(name))
        {
            long bad = NonFinite.Find(data, dt, e.Count);
            if (bad >= 0) throw new CheckpointException(Path, $"tensor '{name}' holds {NonFinite.Describe(data, dt, bad)} at element {bad} (a diverged or corrupt file)");
            _finite[name] = true;
        }
        return new HostTensor(name, data, dt, e.Shape, this);
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
