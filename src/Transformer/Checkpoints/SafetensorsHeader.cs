using System.Text.Json;

namespace NativeTV.Transformer.Checkpoints;

/// <summary>
/// Parses and validates a safetensors JSON header as the reference implementation does: UTF-8, one entry per
/// name (a JSON object keeps the last duplicate silently, so duplicates are refused), shapes whose byte size
/// fits in 64 bits and matches data_offsets, and offsets that tile the data section exactly, with no overlap,
/// hole or trailing byte. Every problem is a <see cref="CheckpointException"/> naming the file.
/// </summary>
internal static class SafetensorsHeader
{
    public static (Dictionary<string, TensorEntry>, Dictionary<string, string>) Parse(string path, byte[] header, long dataLen)
    {
        CheckpointFiles.RequireUtf8(path, header, "the header");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header, CheckpointFiles.StrictJson); }
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
        CheckLayout(path, tensors.Values, dataLen);
        return (tensors, meta);
    }

    private static TensorEntry ParseEntry(string path, string name, JsonElement e, long dataLen)
    {
        CheckpointException Bad(string problem) => new(path, $"tensor '{name}' {problem}");
        if (e.ValueKind != JsonValueKind.Object) throw Bad($"is {Describe(e)}, expected an object with dtype, shape and data_offsets");
        JsonElement Field(string key) => e.TryGetProperty(key, out var v) ? v : throw Bad($"has no \"{key}\"");
        var dt = Field("dtype");
        string dtype = dt.ValueKind == JsonValueKind.String ? dt.GetString()! : throw Bad($"has dtype {Describe(dt)}, expected a string");
        long[] Longs(string key)
        {
            var a = Field(key);
            if (a.ValueKind != JsonValueKind.Array) throw Bad($"has {key} {Describe(a)}, expected an array of integers");
            return a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt64(out long v) && v >= 0 ? v
                : throw Bad($"has {key} element {x.GetRawText()}, expected a non-negative integer")).ToArray();
        }
        var shape = Longs("shape");
        var offs = Longs("data_offsets");
        if (offs.Length != 2 || offs[1] < offs[0]) throw Bad($"has bad data_offsets [{string.Join(",", offs)}]");
        if (offs[1] > dataLen) throw Bad($"ends at byte {offs[1]} of the data section but it holds only {dataLen} bytes (truncated file?)");
        long count = 1;
        foreach (long d in shape)
            count = d == 0 || count <= long.MaxValue / d ? count * d : throw Bad($"has shape [{string.Join(",", shape)}], too many elements to address");
        int elem = SafetensorsFile.ElementSize(dtype);
        if (elem > 0 && count > long.MaxValue / elem) throw Bad($"has shape [{string.Join(",", shape)}], too many bytes to address");
        if (elem > 0 && count * elem != offs[1] - offs[0])
            throw Bad($"is {dtype} x [{string.Join(",", shape)}], which needs {count * elem} bytes, but its data_offsets span {offs[1] - offs[0]}");
        return new TensorEntry(name, dtype, shape, offs[0], offs[1]);
    }

    /// <summary>Sorted by offset, each tensor must start where the previous one ended, and the last end the file.</summary>
    private static void CheckLayout(string path, IEnumerable<TensorEntry> entries, long dataLen)
    {
        long end = 0;
        string previous = "";
        foreach (var t in entries.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (t.Begin < end) throw new CheckpointException(path, $"tensor '{t.Name}' (bytes {t.Begin}..{t.End}) overlaps tensor '{previous}' (which ends at {end})");
            if (t.Begin > end) throw new CheckpointException(path, $"tensor '{t.Name}' starts at byte {t.Begin} but the data before it ends at {end}: a hole of {t.Begin - end} bytes");
            (end, previous) = (t.End, t.Name);
        }
        if (end != dataLen) throw new CheckpointException(path, $"the tensors cover {end} bytes of the data section but it holds {dataLen}: {dataLen - end} unindexed trailing bytes");
    }

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object", JsonValueKind.Array => "an array", JsonValueKind.String => $"the string {e.GetRawText()}",
        JsonValueKind.Number => $"the number {e.GetRawText()}", JsonValueKind.Null => "null", _ => "a boolean",
    };
}
