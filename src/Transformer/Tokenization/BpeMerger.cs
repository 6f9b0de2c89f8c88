namespace NativeTV.Transformer.Tokenization;

/// <summary>One symbol of a word being merged: a span [Start, End) of the text, its token id (-1 unknown), and its neighbours.</summary>
internal struct BpeSymbol
{
    public int Start, End, Id, Prev, Next;
}

/// <summary>The merge rule of a BPE vocabulary: whether two adjacent symbols merge, how early (lower first), and into which id.</summary>
internal interface IBpePairs
{
    bool TryMerge(in BpeSymbol left, in BpeSymbol right, out int rank, out int mergedId);
}

/// <summary>
/// Byte-pair merging as SentencePiece and Hugging Face tokenizers both do it: repeatedly merge the adjacent
/// pair of best rank, the leftmost of equal ranks first, re-ranking the merged symbol with its neighbours.
/// A heap of candidate pairs keeps it O(n log n) on a whole text; entries that a merge made stale are skipped.
/// </summary>
internal static class BpeMerger
{
    /// <summary>Merges <paramref name="s"/>[0..n), linked in order, in place; a merged pair lives on in its left symbol, the right one gets End = -1.</summary>
    public static void Merge<TPairs>(BpeSymbol[] s, int n, TPairs pairs) where TPairs : IBpePairs
    {
        var heap = new PriorityQueue<(int Left, int Right, int End, int Id), long>();
        for (int i = 0; i + 1 < n; i++) Push(s, i, pairs, heap);
        while (heap.TryDequeue(out var m, out _))
        {
            ref var left = ref s[m.Left];
            ref var right = ref s[m.Right];
            // Stale: the left symbol was absorbed, or either side changed since this pair was ranked.
            if (left.End < 0 || left.Next != m.Right || right.End != m.End) continue;
            left.End = right.End;
            left.Id = m.Id;
            left.Next = right.Next;
            if (right.Next >= 0) s[right.Next].Prev = m.Left;
            right.End = -1;
            if (left.Prev >= 0) Push(s, left.Prev, pairs, heap);
            Push(s, m.Left, pairs, heap);
        }
    }

    private static void Push<TPairs>(BpeSymbol[] s, int left, TPairs pairs, PriorityQueue<(int, int, int, int), long> heap) where TPairs : IBpePairs
    {
        int right = s[left].Next;
        if (right < 0 || !pairs.TryMerge(s[left], s[right], out int rank, out int id)) return;
        heap.Enqueue((left, right, s[right].End, id), ((long)rank << 32) | (uint)s[left].Start);
    }

    /// <summary>Symbols [0..n) linked as a chain (Prev/Next), for callers that filled Start/End/Id.</summary>
    public static void Link(BpeSymbol[] s, int n)
    {
        for (int i = 0; i < n; i++) { s[i].Prev = i - 1; s[i].Next = i + 1 < n ? i + 1 : -1; }
    }
}
