namespace NativeTV.Transformer.Training;

/// <summary>
/// AdamW with linear warm-up then cosine decay to <see cref="FinalLrFraction"/> of the peak, and gradient
/// clipping by global norm. Defaults are ORGANISM.md's recipe.
/// </summary>
public sealed record ModelTrainOptions
{
    public int Steps { get; init; } = 6000;
    public int Batch { get; init; } = 64;
    public float Lr { get; init; } = 2e-3f;
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.98f;
    public float Eps { get; init; } = 1e-8f;
    /// <summary>On matrices only (the embedding included); norm weights take none.</summary>
    public float WeightDecay { get; init; } = 0.1f;
    public int WarmupSteps { get; init; } = 300;
    public float FinalLrFraction { get; init; } = 0.1f;
    /// <summary>Global gradient-norm clip; 0 turns clipping off.</summary>
    public float ClipNorm { get; init; } = 1f;

    /// <summary>The learning rate of step <paramref name="step"/> (0-based).</summary>
    public float LrAt(int step)
    {
        if (step < WarmupSteps) return Lr * (step + 1) / WarmupSteps;
        double t = Math.Min(1.0, (double)(step - WarmupSteps) / Math.Max(1, Steps - WarmupSteps));
        return (float)(Lr * (FinalLrFraction + (1 - FinalLrFraction) * 0.5 * (1 + Math.Cos(Math.PI * t))));
    }
}
