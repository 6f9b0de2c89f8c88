namespace NativeTV.Transformer.Model;

/// <summary>What one forward pass computes: hook reads, hook additions (steering) and logits at chosen rows.</summary>
public sealed class ForwardRequest
{
    public required TokenBatch Tokens { get; init; }
    public IReadOnlyList<HookRead> Reads { get; init; } = [];
    public IReadOnlyList<HookAdd> Adds { get; init; } = [];
    /// <summary>Flattened rows (b * SeqLen + t) whose next-token logits are wanted; empty = none.</summary>
    public int[] LogitRows { get; init; } = [];
}

/// <summary>Host copies of what was asked for: each read is [rows, d_model], logits [LogitRows, vocab].</summary>
public sealed class ForwardResult
{
    public Dictionary<HookKey, float[]> Reads { get; } = [];
    public float[] Logits { get; set; } = [];
}
