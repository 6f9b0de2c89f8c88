using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Sae.Formats;

/// <summary>
/// Shape-checked reads of SAE weights from a safetensors file. Every format states the shapes it
/// expects from its config (or from W_enc), so a wrong file fails here, naming the tensor and both shapes.
/// </summary>
internal static class SaeTensors
{
    /// <param name="why">Where the expected shape comes from, e.g. "cfg.json d_in 24, d_sae 96".</param>
    public static float[] Read(SafetensorsFile file, string name, long[] shape, string why)
    {
        if (!file.Contains(name))
            throw new CheckpointException(file.Path, $"missing tensor '{name}' (present: {string.Join(", ", file.Tensors.Keys.Order())})");
        var t = file.Get(name);
        if (!t.Shape.SequenceEqual(shape))
            throw new CheckpointException(file.Path, $"tensor '{name}' has shape {Show(t.Shape)} but {why} needs {Show(shape)}");
        return t.ToFloats();
    }

    public static float[]? ReadOptional(SafetensorsFile file, string name, long[] shape, string why) =>
        file.Contains(name) ? Read(file, name, shape, why) : null;

    /// <summary>[r, c] row-major -> [c, r] row-major (PyTorch nn.Linear stores weight as [out, in]).</summary>
    public static float[] Transpose(float[] a, int rows, int cols)
    {
        var t = new float[a.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[(long)c * rows + r] = a[(long)r * cols + c];
        return t;
    }

    public static string Show(long[] shape) => $"[{string.Join(",", shape)}]";
}
