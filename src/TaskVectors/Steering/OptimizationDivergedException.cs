namespace NativeTV.TaskVectors.Steering;

/// <summary>
/// The loss or gradient of a steering optimisation became NaN or infinite: nothing it would return means anything.
/// <see cref="Run"/> is the index of the run that diverged among those optimised together (0 when alone).
/// </summary>
public sealed class OptimizationDivergedException(string message, int run = 0) : Exception(message)
{
    public int Run => run;
}
