using NativeTV.Transformer.Checkpoints;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;

namespace NativeTV.Transformer.Training;

/// <summary>
/// GPT-2-style initialisation for training from scratch: matrices ~ N(0, std), the projections that write
/// into the residual stream (o_proj, down_proj) at std / sqrt(2 n_layers) so the residual's variance does
/// not grow with depth, norm gains at identity.
/// </summary>
public static class ModelInit
{
    public static IEnumerable<(string Name, long[] Shape, float[] Values)> Normal(ModelConfig c, int seed, double std = 0.02)
    {
        int index = 0;
        foreach (var t in ModelLayout.Tensors(c))
        {
            var v = new float[ParameterGroup.Elements(t)];
            var rng = new Random(Seeds.Mix(seed, index++));
            if (ModelLayout.IsNorm(t.Name)) Array.Fill(v, 1f - c.NormWeightOffset);
            else
            {
                bool residualWriter = t.Name.EndsWith("o_proj.weight") || t.Name.EndsWith("down_proj.weight");
                double s = residualWriter ? std / Math.Sqrt(2.0 * c.Layers) : std;
                for (int i = 0; i < v.Length; i++) v[i] = (float)(s * Gaussian(rng));
            }
            yield return (t.Name, t.Shape, v);
        }
    }

    /// <summary>Box-Muller: deterministic for a seeded System.Random.</summary>
    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
