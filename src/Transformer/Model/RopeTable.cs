using NativeTV.Transformer.Checkpoints;
namespace NativeTV.Transformer.Model;

/// <summary>
/// cos/sin tables [positions, rotary_dim/2] as transformers computes them in float32, including
/// Phi-3 longrope: the long factors apply when the batch's largest position + 1 exceeds
/// original_max_position_embeddings, and both tables are scaled by the attention factor.
/// </summary>
public sealed class RopeTable
{
    public float[] Cos { get; }
    public float[] Sin { get; }
    public int Positions { get; }
    public int Half { get; }
    public bool UsesLongFactors { get; }

    public RopeTable(ModelConfig cfg, int positions)
    {
        Positions = positions;
        int dim = cfg.RotaryDim;
        Half = dim / 2;
        float[]? ext = null;
        float attention = 1f;
        if (cfg.LongRope is { } lr)
        {
            UsesLongFactors = positions > lr.OriginalMaxPositions;
            ext = UsesLongFactors ? lr.LongFactor : lr.ShortFactor;
            double factor = (double)cfg.MaxPositions / lr.OriginalMaxPositions;
            attention = (float)(lr.AttentionFactor ?? (factor <= 1 ? 1.0 : Math.Sqrt(1 + Math.Log(factor) / Math.Log(lr.OriginalMaxPositions))));
        }
        var invFreq = new float[Half];
        for (int i = 0; i < Half; i++)
        {
            float pw = MathF.Pow((float)cfg.RopeTheta, (float)(2 * i) / dim);
            invFreq[i] = 1f / (ext == null ? pw : ext[i] * pw);
        }
        Cos = new float[positions * Half];
        Sin = new float[positions * Half];
        for (int p = 0; p < positions; p++)
            for (int i = 0; i < Half; i++)
            {
                float angle = p * invFreq[i];
                Cos[p * Half + i] = MathF.Cos(angle) * attention;
                Sin[p * Half + i] = MathF.Sin(angle) * attention;
            }
    }
}
