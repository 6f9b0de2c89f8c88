using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;

namespace NativeTV.Transformer.Training;

/// <summary>
/// A model's weights as trainable float32 parameters in two groups: matrices (embedding included), which
/// take weight decay, and norm weights, which do not. <see cref="Weights"/> are views into them, so a
/// <see cref="TransformerModel"/> built on these weights sees every optimiser step.
/// </summary>
public sealed class ModelParameters : IDisposable
{
    public ModelConfig Config { get; }
    public ParameterGroup Matrices { get; }
    public ParameterGroup Norms { get; }
    public ModelWeights Weights { get; }
    private readonly Dictionary<DeviceWeight, Mat> _grads = new(ReferenceEqualityComparer.Instance);

    public ModelParameters(ModelConfig c, IBackend be, float weightDecay)
    {
        Config = c;
        var all = ModelLayout.Tensors(c).ToList();
        Matrices = new ParameterGroup(be, all.Where(t => !ModelLayout.IsNorm(t.Name)).ToList(), weightDecay);
        Norms = new ParameterGroup(be, all.Where(t => ModelLayout.IsNorm(t.Name)).ToList(), 0f);
        Weights = ModelWeights.Build(c, t =>
        {
            var g = GroupOf(t.Name);
            var w = g.Weight(t);
            _grads[w] = g.Grad(t);
            return w;
        });
    }

    public IReadOnlyList<ParameterGroup> Groups => [Matrices, Norms];
    public long Count => Matrices.Count + Norms.Count;

    private ParameterGroup GroupOf(string name) => Matrices.Contains(name) ? Matrices : Norms;

    /// <summary>The gradient buffer of one of <see cref="Weights"/> (for <see cref="TransformerModel.WeightGrad"/>).</summary>
    public Mat GradOf(DeviceWeight w) => _grads.TryGetValue(w, out var g) ? g : throw new ArgumentException($"{w.Name} is not one of these parameters");

    public void Load(ITensorSource src)
    {
        foreach (var g in Groups)
            foreach (var t in g.Tensors) g.Upload(t, src.Get(t.Name, t.Shape).ToFloats());
    }

    public void Set(IEnumerable<(string Name, long[] Shape, float[] Values)> tensors)
    {
        foreach (var (name, shape, values) in tensors) GroupOf(name).Upload(new TensorSpec(name, shape), values);
    }

    /// <summary>Every tensor in checkpoint order (for <see cref="CheckpointWriter"/>).</summary>
    public List<(string Name, long[] Shape, float[] Values)> Download() =>
        ModelLayout.Tensors(Config).Select(t => (t.Name, t.Shape, GroupOf(t.Name).Download(t))).ToList();

    public void ZeroGrads() { foreach (var g in Groups) g.ZeroGrads(); }

    public double GradNorm() => Math.Sqrt(Groups.Sum(g => g.GradSquaredNorm()));

    public void Dispose()
    {
        Weights.Dispose();
        Matrices.Dispose();
        Norms.Dispose();
    }
}
