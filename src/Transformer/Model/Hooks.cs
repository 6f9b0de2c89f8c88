namespace NativeTV.Transformer.Model;

/// <summary>
/// Hook points, named as in TransformerLens. resid_pre[L] (L = 0..n_layers) is the input of block L
/// (resid_pre[0] = scaled embedding, resid_pre[n_layers] = last block's output before the final
/// norm); attn_out[L] and mlp_out[L] are the two sublayer outputs added to the residual in block L;
/// resid_post[L] is the output of block L (the same values as resid_pre[L + 1]).
/// </summary>
public enum HookPoint { ResidPre, AttnOut, MlpOut, ResidPost }

public readonly record struct HookKey(HookPoint Point, int Layer)
{
    public override string ToString() => $"{HookNames.Name(Point)}[{Layer}]";
}

public static class HookNames
{
    public static string Name(HookPoint p) => p switch
    {
        HookPoint.ResidPre => "resid_pre", HookPoint.AttnOut => "attn_out", HookPoint.MlpOut => "mlp_out", _ => "resid_post",
    };
}

/// <summary>Read a hook point at the given flattened batch rows (b * SeqLen + t).</summary>
public sealed record HookRead(HookKey Key, int[] Rows);

/// <summary>
/// Add scale * a vector to a hook point at the given flattened rows (the steering hook). Vector holds one vector of
/// d_model values, or with <see cref="VectorOf"/> several back to back ([k, d_model]), row Rows[i] getting vector
/// VectorOf[i]: one pass then steers each prompt by its own vector (batched cleaning). One vector is the case k = 1.
/// </summary>
public sealed record HookAdd(HookKey Key, int[] Rows, float[] Vector, float Scale = 1f)
{
    /// <summary>Per row, the index of its vector in <see cref="Vector"/>; null: every row gets vector 0.</summary>
    public int[]? VectorOf { get; init; }

    public int VectorIndex(int i) => VectorOf is null ? 0 : VectorOf[i];

    /// <summary>Each vector (of <paramref name="d"/> values) with the rows it is added at; vectors no row uses are left out.</summary>
    public IEnumerable<(int[] Rows, float[] Vector)> Groups(int d) =>
        Enumerable.Range(0, Rows.Length).GroupBy(VectorIndex).OrderBy(g => g.Key)
            .Select(g => (g.Select(i => Rows[i]).ToArray(), Vector.AsSpan(g.Key * d, d).ToArray()));
}
