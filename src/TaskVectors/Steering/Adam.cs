namespace NativeTV.TaskVectors.Steering;

/// <summary>Adam (Kingma and Ba), with bias correction, on a host parameter vector.</summary>
public sealed class Adam(int size, float lr, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f)
{
    private readonly float[] _m = new float[size], _v = new float[size];
    private int _t;
    public float LearningRate { get; set; } = lr;

    public void Step(float[] param, ReadOnlySpan<float> grad)
    {
        _t++;
        double c1 = 1 - Math.Pow(beta1, _t), c2 = 1 - Math.Pow(beta2, _t);
        for (int i = 0; i < param.Length; i++)
        {
            _m[i] = beta1 * _m[i] + (1 - beta1) * grad[i];
            _v[i] = beta2 * _v[i] + (1 - beta2) * grad[i] * grad[i];
            param[i] -= (float)(LearningRate * (_m[i] / c1) / (Math.Sqrt(_v[i] / c2) + eps));
        }
    }
}
