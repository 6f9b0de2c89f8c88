namespace NativeTV.Kernels;

/// <summary>
/// An op called against its contract (shapes, lengths, arguments): a bug in the caller, never bad user
/// input. It derives from neither ArgumentException nor InvalidOperationException on purpose, so the
/// CLI's user-error handler (CliErrors) lets it through with its stack trace.
/// </summary>
public sealed class BackendContractException(string message) : Exception(message);
