using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;

namespace NativeTV.Transformer.Training;

/// <summary>What one optimiser step measured: the mean loss over its targets, the gradient norm before clipping, the learning rate used.</summary>
public sealed record TrainStepStats(int Step, double Loss, double GradNorm, float Lr);

/// <summary>
/// Trains every weight of a Gemma or Phi-3 model on one backend: the model's forward and backward
/// (<see cref="TransformerModel.WeightGrad"/>) over float32 parameters, global-norm clipping and AdamW.
/// Checkpoints hold the parameters, both Adam moments and the step, so a resumed run continues exactly.
/// </summary>
public sealed class ModelTrainer : IDisposable
{
    private readonly IBackend _be;
    public ModelTrainOptions Options { get; }
    public ModelParameters Parameters { get; }
    public TransformerModel Model { get; }
    /// <summary>Steps taken so far.</summary>
    public int Step { get; private set; }

    public ModelTrainer(ModelConfig c, IBackend be, ModelTrainOptions options)
    {
        if (c.DType != DType.F32) c = c with { DType = DType.F32 };
        _be = be;
        Options = options;
        Parameters = new ModelParameters(c, be, options.WeightDecay);
        Model = new TransformerModel(c, be, Parameters.Weights);
    }

    /// <summary>
    /// One step on a batch: the loss is sum_i w_i nll_i over <paramref name="targets"/> (give weights that
    /// sum to 1 for a mean), gradients clipped to <see cref="ModelTrainOptions.ClipNorm"/>, then AdamW.
    /// </summary>
    public TrainStepStats TrainStep(TokenBatch tokens, IReadOnlyList<LossTarget> targets)
    {
        Parameters.ZeroGrads();
        double loss = Model.WeightGrad(tokens, targets, Parameters.GradOf);
        double norm = Parameters.GradNorm();
        if (!double.IsFinite(loss) || !double.IsFinite(norm))
            throw new InvalidOperationException($"training diverged at step {Step + 1}: loss {loss}, gradient norm {norm} (try a lower --lr)");
        float clip = Options.ClipNorm > 0 && norm > Options.ClipNorm ? (float)(Options.ClipNorm / norm) : 1f;
        float lr = Options.LrAt(Step);
        Step++;
        var args = AdamArgs.ForStep(Step, lr, Options.Beta1, Options.Beta2, Options.Eps, gradScale: clip);
        foreach (var g in Parameters.Groups) g.AdamStep(args);
        return new TrainStepStats(Step, loss, norm, lr);
    }

    public void SaveCheckpoint(string path)
    {
        var w = new SafetensorsWriter().AddMetadata("format", "nativetv-trainer");
        foreach (var (name, g) in Named)
            foreach (var (suffix, buf) in Buffers(g)) w.Add(name + suffix, _be.Download(buf), [buf.Length]);
        w.Add("step", [Step], [1]).Write(path);
    }

    public void LoadCheckpoint(string path)
    {
        using var f = new SafetensorsFile(path);
        foreach (var (name, g) in Named)
            foreach (var (suffix, buf) in Buffers(g))
            {
                if (!f.Contains(name + suffix)) throw new CheckpointException(path, $"no '{name + suffix}': not a model-training checkpoint");
                var v = f.ReadFloats(name + suffix);
                if (v.Length != buf.Length) throw new CheckpointException(path, $"'{name + suffix}' has {v.Length} values, this model needs {buf.Length} (a different model configuration?)");
                _be.CopyToDevice<float>(v, buf);
            }
        Step = f.ReadInts("step")[0];
    }

    private IEnumerable<(string, ParameterGroup)> Named => [("matrices", Parameters.Matrices), ("norms", Parameters.Norms)];
    private static (string, DeviceBuffer<float>)[] Buffers(ParameterGroup g) => [("", g.Values), (".adam_m", g.M), (".adam_v", g.V)];

    public void Dispose()
    {
        Model.Dispose();
        Parameters.Dispose();
    }
}
