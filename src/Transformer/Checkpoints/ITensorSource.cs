using NativeTV.Kernels;

namespace NativeTV.Transformer.Checkpoints;

/// <summary>Named weight tensors with their shape checked: a checkpoint on disk or an in-memory set.</summary>
public interface ITensorSource
{
    bool Contains(string name);
    HostTensor Get(string name, params long[] shape);
}

/// <summary>Tensors held in memory (random models for tests and benchmarks).</summary>
public sealed class TensorSet : ITensorSource
{
    public Dictionary<string, HostTensor> Tensors { get; } = [];
    public bool Contains(string name) => Tensors.ContainsKey(name);

    public HostTensor Get(string name, params long[] shape)
    {
        if (!Tensors.TryGetValue(name, out var t)) throw new KeyNotFoundException($"missing tensor '{name}'");
        if (!t.Shape.SequenceEqual(shape)) throw new ArgumentException($"tensor '{name}' has shape [{string.Join(",", t.Shape)}], expected [{string.Join(",", shape)}]");
        return t;
    }
}
