namespace NativeTV.TaskVectors.Steering;

/// <summary>
/// A steering vector v = f(theta) with its own penalty: the direct vector (f = identity), or, for
/// task-vector cleaning, an SAE decoding of per-feature pre-activations with an L1 penalty.
/// </summary>
public interface IVectorParameterization
{
    /// <summary>Number of parameters.</summary>
    int Count { get; }
    /// <summary>The steering vector for <paramref name="theta"/>.</summary>
    float[] Vector(float[] theta);
    /// <summary>d loss / d theta given d loss / d v (the vector-Jacobian product of <see cref="Vector"/>).</summary>
    float[] Backward(float[] theta, float[] dVector);
    /// <summary>The penalty added to the loss, and its gradient added into <paramref name="grad"/>.</summary>
    double Penalty(float[] theta, float[] grad);
    /// <summary>How many components are active: non-zero entries, or active SAE features.</summary>
    int L0(float[] theta);
}

/// <summary>theta is the vector itself; no penalty.</summary>
public sealed class DirectVector(int dModel) : IVectorParameterization
{
    public int Count => dModel;
    public float[] Vector(float[] theta) => theta;
    public float[] Backward(float[] theta, float[] dVector) => dVector;
    public double Penalty(float[] theta, float[] grad) => 0;
    public int L0(float[] theta) => theta.Count(x => x != 0f);
}
