using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Sae.Formats;

/// <summary>One array read from a .npy stream, widened to float32, row-major.</summary>
public sealed record NpyArray(long[] Shape, float[] Values)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// Reads numpy .npy: the magic \x93NUMPY, version 1.x (2-byte header length) or 2.x / 3.x (4-byte),
/// then a Python dict literal {'descr': '&lt;f4', 'fortran_order': False, 'shape': (24, 96), } padded
/// with spaces, then the raw data. Little-endian f2 / f4 / f8 are read; Fortran-order arrays of rank
/// &lt;= 2 are transposed into row-major. Errors name <c>file</c> and the member.
/// </summary>
public static partial class NpyReader
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <param name="file">The file the stream comes from (the .npz, for messages).</param>
    /// <param name="member">The array's name inside it (for messages).</param>
    /// <param name="length">The stream's length when known (a zip entry's size): checked before allocating.</param>
    public static NpyArray Read(Stream s, string file, string member, long? length = null)
    {
        CheckpointException Bad(string problem) => new(file, $"'{member}': {problem}");
        try
        {
            Span<byte> pre = stackalloc byte[8];
            s.ReadExactly(pre);
            if (!pre[..6].SequenceEqual(Magic)) throw Bad("not a .npy array (no \\x93NUMPY magic)");
            int major = pre[6];
            int headerLen;
            if (major == 1) { Span<byte> l = stackalloc byte[2]; s.ReadExactly(l); headerLen = BitConverter.ToUInt16(l); }
            else if (major is 2 or 3) { Span<byte> l = stackalloc byte[4]; s.ReadExactly(l); headerLen = checked((int)BitConverter.ToUInt32(l)); }
            else throw Bad($".npy format version {major}.{pre[7]} is not supported (1, 2, 3)");
            if (headerLen > 1 << 20) throw Bad($"header length {headerLen} is implausible (corrupt file?)");
            var header = new byte[headerLen];
            s.ReadExactly(header);
            // Version 3 headers are UTF-8, earlier ones latin-1; the fields we read are ASCII either way.
            var (descr, fortran, shape) = ParseHeader(Encoding.UTF8.GetString(header), Bad);
            long count = shape.Aggregate(1L, (a, b) => checked(a * b));
            if (count > Array.MaxLength) throw Bad($"shape [{string.Join(",", shape)}] is too large to read");
            int itemSize = descr switch
            {
                "<f2" => 2, "<f4" => 4, "<f8" => 8,
                _ => throw Bad($"dtype '{descr}' is not supported (little-endian float16/32/64: <f2, <f4, <f8)"),
            };
            long dataStart = (major == 1 ? 10 : 12) + headerLen;
            if (length is long len && dataStart + count * itemSize > len)
                throw Bad($"truncated: shape [{string.Join(",", shape)}] of {descr} needs {count * itemSize} data bytes, the member holds {Math.Max(0, len - dataStart)}");
            var values = descr switch
            {
                "<f4" => ReadRaw<float>(s, (int)count),
                "<f2" => ReadRaw<Half>(s, (int)count).Select(h => (float)h).ToArray(),
                _ => ReadRaw<double>(s, (int)count).Select(d => (float)d).ToArray(),
            };
            if (fortran)
            {
                if (shape.Length > 2) throw Bad($"Fortran-order arrays of rank {shape.Length} are not supported");
                if (shape.Length == 2) values = SaeTensors.Transpose(values, (int)shape[1], (int)shape[0]);
            }
            if (NonFinite.Find(values) is var bad and >= 0) throw Bad($"holds {NonFinite.Describe(values[bad])} at element {bad} (a diverged or corrupt file)");
            return new NpyArray(shape, values);
        }
        catch (EndOfStreamException) { throw Bad("truncated (the stream ends before the header or data does)"); }
        catch (InvalidDataException e) { throw Bad($"corrupt data ({e.Message})"); }
        catch (OverflowException) { throw Bad("shape or header length too large (corrupt header?)"); }
    }

    private static T[] ReadRaw<T>(Stream s, int count) where T : unmanaged
    {
        var r = new T[count];
        s.ReadExactly(MemoryMarshal.AsBytes(r.AsSpan()));
        return r;
    }

    private static (string Descr, bool Fortran, long[] Shape) ParseHeader(string h, Func<string, CheckpointException> bad)
    {
        var descr = DescrRx().Match(h);
        var fortran = FortranRx().Match(h);
        var shape = ShapeRx().Match(h);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw bad($"header {h.Trim()} lacks 'descr', 'fortran_order' or 'shape'");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => long.TryParse(d.TrimEnd('L'), out var v) && v >= 0 ? v : throw bad($"bad shape ({shape.Groups[1].Value})"))
            .ToArray();
        return (descr.Groups[1].Value, fortran.Groups[1].Value == "True", dims);
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")] private static partial Regex DescrRx();
    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")] private static partial Regex FortranRx();
    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")] private static partial Regex ShapeRx();
}
