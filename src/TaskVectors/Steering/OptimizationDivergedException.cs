namespace NativeTV.TaskVectors.Steering;

/// <summary>The loss or gradient of a steering optimisation became NaN or infinite: nothing it would return means anything.</summary>
public sealed class OptimizationDivergedException(string message) : Exception(message);
