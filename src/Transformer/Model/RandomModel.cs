using NativeTV.Transformer.Checkpoints;
using NativeTV.Kernels;

namespace NativeTV.Transformer.Model;

/// <summary>
/// Random weights in Hugging Face layout, like the HF ecosystem's tiny-random test models: matrices
/// ~ N(0, std), norm weights around their identity so (1 + w) and w both matter.
/// </summary>
public static class RandomModel
{
    /// <summary>Lazily, one tensor at a time (benchmark models are large); each tensor is seeded by (seed, index).</summary>
    public static IEnumerable<(string Name, long[] Shape, float[] Values)> Weights(ModelConfig c, int seed, float std = 0.08f)
    {
        int i = 0;
        foreach (var (name, shape) in ModelLayout.Tensors(c))
        {
            var rng = new Random(Seeds.Mix(seed, i++));
            long n = shape.Aggregate(1L, (a, b) => a * b);
            var v = new float[n];
            bool norm = ModelLayout.IsNorm(name);
            float center = norm ? 1f - c.NormWeightOffset : 0f, spread = norm ? 0.2f : std;
            // Uniform with the requested standard deviation: fast enough for benchmark-sized models.
            float a = spread * MathF.Sqrt(3f);
            for (long j = 0; j < n; j++) v[j] = center + a * (2f * rng.NextSingle() - 1f);
            yield return (name, shape, v);
        }
    }

    /// <summary>Small configurations for `make-tiny` and tests.</summary>
    public static ModelConfig TinyConfig(Architecture arch, DType dtype, int layers = 2, int hidden = 64, int heads = 4, int kvHeads = 0,
        int headDim = 0, int intermediate = 128, int vocab = 256, bool longRope = false, double partialRotary = 1.0, int slidingWindow = 0)
    {
        bool gemma = arch == Architecture.Gemma;
        int hd = headDim > 0 ? headDim : gemma ? 24 : hidden / heads;
        int rot = (int)(hd * partialRotary);
        return new ModelConfig
        {
            Arch = arch, HiddenSize = hidden, IntermediateSize = intermediate, Layers = layers, Heads = heads,
            KvHeads = kvHeads > 0 ? kvHeads : gemma ? 1 : heads, HeadDim = hd, VocabSize = vocab,
            RmsNormEps = gemma ? 1e-6 : 1e-5, RopeTheta = 10000, PartialRotaryFactor = partialRotary,
            MaxPositions = longRope ? 256 : 128, SlidingWindow = gemma ? 0 : slidingWindow,
            LongRope = longRope ? new LongRope(Factors(rot / 2, 1.0f, 1.5f), Factors(rot / 2, 2f, 6f), 16, null) : null,
            TieWordEmbeddings = gemma, DType = dtype, BosTokenId = gemma ? 2 : 1, PadTokenId = 0, EosTokenIds = [gemma ? 1 : 2],
        };
    }

    private static float[] Factors(int n, float lo, float hi) => Enumerable.Range(0, n).Select(i => lo + (hi - lo) * i / Math.Max(1, n - 1)).ToArray();
}
