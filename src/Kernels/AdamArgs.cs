namespace NativeTV.Kernels;

/// <summary>Scalars of one AdamW step (see <see cref="IBackend.AdamStep"/>).</summary>
public readonly record struct AdamArgs(float Lr, float Beta1, float Beta2, float Eps, float WeightDecay, float C1, float C2, float GradScale = 1f)
{
    /// <summary>The arguments of step t (1-based), bias corrections included.</summary>
    public static AdamArgs ForStep(int t, float lr, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f, float gradScale = 1f) =>
        new(lr, beta1, beta2, eps, weightDecay, (float)(1 - Math.Pow(beta1, t)), (float)(1 - Math.Pow(beta2, t)), gradScale);
}
