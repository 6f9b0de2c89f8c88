using NativeTV.Kernels;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;

namespace NativeTV.Tests.Models;

/// <summary>Random checkpoints written to temporary folders, as `make-tiny` writes them.</summary>
public static class TinyModels
{
    public static string Write(ModelConfig cfg, int seed = 1, int shards = 1, Func<float, float>? transform = null, float std = 0.08f)
    {
        var dir = Fixtures.TempDir();
        var weights = RandomModel.Weights(cfg, seed, std).Select(t => (t.Name, t.Shape, transform == null ? t.Values : t.Values.Select(transform).ToArray())).ToList();
        CheckpointWriter.Write(dir, cfg, weights, shards);
        return dir;
    }

    public static ModelConfig Gemma(DType dt = DType.F32) => RandomModel.TinyConfig(Architecture.Gemma, dt, layers: 3, hidden: 40, heads: 2, headDim: 28, intermediate: 72, vocab: 67);

    public static ModelConfig Phi3LongRope(DType dt = DType.F32) =>
        RandomModel.TinyConfig(Architecture.Phi3, dt, layers: 2, hidden: 48, heads: 4, kvHeads: 2, intermediate: 80, vocab: 71, longRope: true, partialRotary: 0.5, slidingWindow: 12);
}
