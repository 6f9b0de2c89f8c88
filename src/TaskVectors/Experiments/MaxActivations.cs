using NativeTV.TaskVectors.Runs;
using NativeTV.Kernels;
using NativeTV.Sae;
using NativeTV.Sae.Training;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;
using NativeTV.Transformer.Tokenization;

namespace NativeTV.TaskVectors.Experiments;

/// <summary>
/// Settings of <see cref="MaxActivations.Collect"/>: <paramref name="Top"/> examples per feature, each a window of
/// <paramref name="Window"/> tokens before the activating token and <paramref name="After"/> after it; contexts of
/// <paramref name="Context"/> tokens (BOS included), at most <paramref name="MaxContexts"/> of them, encoded
/// <paramref name="Batch"/> contexts per forward.
/// </summary>
public sealed record MaxActOptions(int Top = 20, int Window = 8, int After = 4, int Context = 64, int MaxContexts = int.MaxValue, int Batch = 16)
{
    internal void Validate()
    {
        if (Top < 1) throw new ArgumentException($"--top must be at least 1, got {Top}");
        if (Window < 0) throw new ArgumentException($"--window must be at least 0, got {Window}");
        if (After < 0) throw new ArgumentException($"the tokens shown after the activating one must be at least 0, got {After}");
        if (MaxContexts < 1) throw new ArgumentException($"--max-contexts must be at least 1, got {MaxContexts}");
        if (Batch < 1) throw new ArgumentException($"the batch must hold at least 1 context, got {Batch}");
    }
}

/// <summary>
/// Max-activating examples (METHOD.md §7): streams a corpus through the model in batches of contexts (as
/// the SAE harvest cuts it), encodes resid_pre[L] at every token but BOS with the SAE on the device, and keeps
/// each requested feature's top tokens by activation. A context gives a feature at most one example, its best
/// token (the first on a tie), so a list is not one sentence's neighbouring tokens; ties between contexts go
/// to the earlier one. Only tokens where the feature fired (&gt; 0) become examples. Memory is one batch's
/// activations plus the kept examples.
/// </summary>
public static class MaxActivations
{
    /// <summary>The examples of <paramref name="features"/> at resid_pre[<paramref name="layer"/>]; <paramref name="progress"/> gets the contexts done after each batch.</summary>
    public static MaxActResult Collect(TransformerModel m, DeviceSae sae, ITextTokenizer tok, string corpus, int layer, int[] features,
        MaxActOptions o, Action<int>? progress = null)
    {
        o.Validate();
        if (features.Length == 0) throw new ArgumentException("no features to find examples for");
        FeatureLists.InRange(features, sae.Sae.DSae);
        // Features are independent except in TopK, so an SAE cut down to the requested ones encodes just
        // those: the encode and its download shrink from d_sae columns to a few (half the time on the organism).
        using var part = sae.Sae.Arch == SaeArchitecture.TopK ? null : new DeviceSae(sae.Sae.Subset(features), sae.Backend);
        var encoder = part ?? sae;
        var tops = features.Select((id, j) => new FeatureTop(id, part is null ? id : j, o)).ToArray();
        int contexts = 0;
        long tokens = 0;
        foreach (var group in ActivationHarvester.Contexts(tok, corpus, o.Context).Take(o.MaxContexts).Chunk(o.Batch))
        {
            var f = Encode(encoder, ActivationHarvester.Residuals(m, group, layer));
            int row = 0;
            foreach (var ctx in group)
            {
                var acts = new FeatureRows(f, row, ctx.Length - 1, encoder.Sae.DSae);
                foreach (var t in tops) t.Scan(contexts, ctx, acts, tok);
                row += ctx.Length - 1;
                contexts++;
            }
            tokens += row;
            progress?.Invoke(contexts);
        }
        if (contexts == 0) throw new CheckpointException(corpus, $"not one context of {o.Context} tokens in the corpus");
        return new MaxActResult(m.Dir ?? "(in memory)", sae.Sae.Source, layer, corpus, contexts, tokens, tops.Select(t => t.Result()).ToArray());
    }

    /// <summary>act(encode(x)) for every row, downloaded whole.</summary>
    private static float[] Encode(DeviceSae sae, float[] x)
    {
        var be = sae.Backend;
        int n = x.Length / sae.Sae.DIn;
        var xd = be.UploadMat(x, n, sae.Sae.DIn);
        var fd = be.AllocMat(n, sae.Sae.DSae);
        using (xd.Buf) using (fd.Buf)
        {
            sae.Encode(xd, fd, fd);
            return be.Download(fd);
        }
    }

    /// <summary>One context's rows of the batch's encoded activations [rows, width]: position p (1..length-1) is row p - 1.</summary>
    private readonly record struct FeatureRows(float[] F, int FirstRow, int Count, int Width)
    {
        /// <summary>Column <paramref name="column"/> at context position <paramref name="p"/>; 0 at BOS (position 0), which is not encoded.</summary>
        public float At(int p, int column) => p == 0 ? 0f : F[(long)(FirstRow + p - 1) * Width + column];
    }

    /// <summary>
    /// One feature's running max, firing count and top examples (a min-heap whose root is the weakest kept);
    /// its activations are column <paramref name="column"/> of the encoded batch.
    /// </summary>
    private sealed class FeatureTop(int id, int column, MaxActOptions o)
    {
        // Weaker = smaller activation, then the later context, so that ties keep the earlier context.
        private static readonly Comparer<(float Act, int Context)> Weaker =
            Comparer<(float Act, int Context)>.Create((a, b) => a.Act != b.Act ? a.Act.CompareTo(b.Act) : b.Context.CompareTo(a.Context));
        private readonly PriorityQueue<MaxActExample, (float Act, int Context)> _heap = new(Weaker);
        private float _max;
        private long _count;

        public void Scan(int context, int[] ids, FeatureRows acts, ITextTokenizer tok)
        {
            int best = -1;
            float bestAct = 0;
            for (int p = 1; p <= acts.Count; p++)
            {
                float a = acts.At(p, column);
                if (a <= 0) continue;
                _count++;
                if (a > bestAct) { bestAct = a; best = p; }
            }
            if (best < 0) return;
            _max = Math.Max(_max, bestAct);
            var key = (bestAct, context);
            if (_heap.Count == o.Top && _heap.TryPeek(out _, out var weakest) && Weaker.Compare(key, weakest) <= 0) return;
            int lo = Math.Max(0, best - o.Window), hi = Math.Min(ids.Length - 1, best + o.After);
            var example = new MaxActExample(bestAct, context,
                Enumerable.Range(lo, hi - lo + 1).Select(p => tok.TokenText(ids[p])).ToArray(), best - lo,
                Enumerable.Range(lo, hi - lo + 1).Select(p => acts.At(p, column)).ToArray());
            if (_heap.Count == o.Top) _heap.DequeueEnqueue(example, key);
            else _heap.Enqueue(example, key);
        }

        public FeatureMaxAct Result() => new(id, _max, _count,
            _heap.UnorderedItems.OrderByDescending(e => e.Priority, Weaker).Select(e => e.Element).ToArray());
    }
}
