using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Host.Cli;

/// <summary>A steering vector file: safetensors with a float tensor named `vector` [d_model].</summary>
public static class SteeringVectorFile
{
    public static float[] Read(string path, int dModel)
    {
        using var f = new SafetensorsFile(path);
        if (!f.Contains("vector")) throw new CheckpointException(path, $"no tensor named 'vector' (found: {string.Join(", ", f.Tensors.Keys)})");
        var v = f.ReadFloats("vector");
        if (v.Length != dModel) throw new CheckpointException(path, $"'vector' has {v.Length} values, the model's d_model is {dModel}");
        return v;
    }
}
