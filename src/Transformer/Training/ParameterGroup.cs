using NativeTV.Transformer.Checkpoints;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;

namespace NativeTV.Transformer.Training;

/// <summary>
/// Trainable float32 tensors packed into one device buffer, with a gradient buffer and the AdamW moments
/// in the same layout, so one optimiser call updates them all. Buffers are padded to whole rows of
/// <see cref="RowWidth"/> (zeros) so the gradient's norm is one row-dot call.
/// </summary>
public sealed class ParameterGroup : IDisposable
{
    public const int RowWidth = 256;

    private readonly IBackend _be;
    private readonly Dictionary<string, long> _offsets = [];
    public IReadOnlyList<TensorSpec> Tensors { get; }
    public long Count { get; }
    public float WeightDecay { get; }
    public DeviceBuffer<float> Values { get; }
    public DeviceBuffer<float> Grads { get; }
    public DeviceBuffer<float> M { get; }
    public DeviceBuffer<float> V { get; }
    private readonly long _padded;

    public ParameterGroup(IBackend be, IReadOnlyList<TensorSpec> tensors, float weightDecay)
    {
        _be = be;
        Tensors = tensors;
        WeightDecay = weightDecay;
        foreach (var t in tensors) { _offsets[t.Name] = Count; Count += Elements(t); }
        _padded = Math.Max(RowWidth, (Count + RowWidth - 1) / RowWidth * RowWidth);
        Values = be.Alloc(_padded); Grads = be.Alloc(_padded); M = be.Alloc(_padded); V = be.Alloc(_padded);
    }

    public static long Elements(TensorSpec t) => t.Shape.Aggregate(1L, (a, b) => a * b);
    private static (int Rows, int Cols) Shape2D(TensorSpec t) => t.Shape.Length == 1 ? (1, (int)t.Shape[0]) : ((int)t.Shape[0], (int)t.Shape[1]);

    public bool Contains(string name) => _offsets.ContainsKey(name);

    /// <summary>The tensor as a weight the model's ops read (a view: optimiser steps are seen at once).</summary>
    public DeviceWeight Weight(TensorSpec t)
    {
        var (r, c) = Shape2D(t);
        return _be.AsWeight(Values, _offsets[t.Name], r, c, t.Name);
    }

    /// <summary>The tensor's gradient as a [rows, cols] matrix ([1, n] for a vector).</summary>
    public Mat Grad(TensorSpec t)
    {
        var (r, c) = Shape2D(t);
        return new Mat(Grads, _offsets[t.Name], r, c, c);
    }

    public void Upload(TensorSpec t, ReadOnlySpan<float> values)
    {
        if (values.Length != Elements(t)) throw new ArgumentException($"{t.Name}: {values.Length} values for shape [{string.Join(",", t.Shape)}]");
        _be.CopyToDevice(values, Values, _offsets[t.Name]);
    }

    public float[] Download(TensorSpec t)
    {
        var v = new float[Elements(t)];
        _be.CopyToHost(Values, _offsets[t.Name], v);
        return v;
    }

    public void ZeroGrads() => _be.CopyToDevice(new float[_padded], Grads);

    /// <summary>Sum of squared gradients (padding is zero), summed on the host in double.</summary>
    public double GradSquaredNorm()
    {
        var g = new Mat(Grads, 0, (int)(_padded / RowWidth), RowWidth, RowWidth);
        using var dots = _be.Alloc(g.Rows);
        _be.RowDots(g, g, dots);
        return _be.Download(dots).Sum(d => (double)d);
    }

    /// <summary>One AdamW step with this group's weight decay.</summary>
    public void AdamStep(AdamArgs args) => _be.AdamStep(Values, Grads, M, V, Count, args with { WeightDecay = WeightDecay });

    public void Dispose() { Values.Dispose(); Grads.Dispose(); M.Dispose(); V.Dispose(); }
}
