using System.Text;

namespace NativeTV.Transformer.Tokenization;

/// <summary>
/// A checkpoint's tokenizer.model (SentencePiece BPE, as Gemma and Phi-3 ship it), encoded as Google's
/// SentencePiece does: whitespace rules of the normalizer spec, spaces as "\u2581", the best-scoring adjacent
/// pair merged first (leftmost of equal scores), byte fallback or one fused unknown for what is not a piece.
/// Added tokens (e.g. Phi-3's added_tokens.json) are split off first and each text between them is encoded alone,
/// as transformers' Llama tokenizers do.
/// </summary>
public sealed class SentencePieceTextTokenizer : ITextTokenizer
{
    private const char WordMarker = '\u2581';
    private readonly SentencePieceModel _m;
    private readonly AddedTokens _added;
    /// <summary>Pieces BPE may merge into (normal and user-defined ones, as SentencePiece's pieces_), with their score rank.</summary>
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _mergeable;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _reserved;
    private readonly int[] _rank;
    private readonly int[] _byteIds = new int[256];
    private readonly int _maxPieceLength;

    public int BosId { get; }
    public bool AddsBos { get; }
    public int VocabSize { get; }

    public SentencePieceTextTokenizer(string path) : this(SentencePieceModel.Read(path), AddedTokens.None) { }

    private SentencePieceTextTokenizer(SentencePieceModel model, AddedTokens added) : this(model, added, model.BosId, true) { }

    public SentencePieceTextTokenizer(SentencePieceModel model, AddedTokens added, int bosId, bool addsBos)
    {
        _m = model;
        _added = added;
        BosId = bosId;
        AddsBos = addsBos;
        VocabSize = Math.Max(model.Pieces.Length, added.MaxId + 1);
        var mergeable = new Dictionary<string, int>();
        var reserved = new Dictionary<string, int>();
        for (int id = 0; id < model.Pieces.Length; id++)
        {
            var target = model.Types[id] is PieceType.Normal or PieceType.UserDefined ? mergeable : reserved;
            target.TryAdd(model.Pieces[id], id);
            if (model.Types[id] == PieceType.Byte && ByteToken.TryParse(model.Pieces[id], out byte b)) _byteIds[b] = id;
        }
        _mergeable = mergeable.GetAlternateLookup<ReadOnlySpan<char>>();
        _reserved = reserved.GetAlternateLookup<ReadOnlySpan<char>>();
        _maxPieceLength = mergeable.Keys.Max(p => p.Length);
        // Higher score merges first; equal scores share a rank so position decides, as in SentencePiece.
        var order = Enumerable.Range(0, model.Scores.Length).OrderByDescending(i => model.Scores[i]).ToArray();
        _rank = new int[order.Length];
        for (int k = 0, r = 0; k < order.Length; k++)
        {
            if (k > 0 && model.Scores[order[k]] != model.Scores[order[k - 1]]) r = k;
            _rank[order[k]] = r;
        }
    }

    public IReadOnlyList<int> Encode(string text, bool addBos) => _added.Encode(text, addBos, BosId, EncodeSegment);

    private void EncodeSegment(string text, List<int> ids)
    {
        string norm = Normalize(text);
        if (norm.Length == 0) return;
        var s = new BpeSymbol[norm.Length];
        int n = 0;
        for (int i = 0; i < norm.Length; i += char.IsSurrogatePair(norm, i) ? 2 : 1)
            s[n++] = new BpeSymbol { Start = i, End = i + (char.IsSurrogatePair(norm, i) ? 2 : 1) };
        BpeMerger.Link(s, n);
        BpeMerger.Merge(s, n, new Pairs(this, norm));
        bool prevUnk = false;
        for (int i = 0; i >= 0; i = s[i].Next)
        {
            var span = norm.AsSpan(s[i].Start, s[i].End - s[i].Start);
            if (_reserved.TryGetValue(span, out int id) || _mergeable.TryGetValue(span, out id)) { ids.Add(id); prevUnk = false; }
            else if (_m.ByteFallback) foreach (byte b in Encoding.UTF8.GetBytes(span.ToArray())) ids.Add(_byteIds[b]);
            else if (!prevUnk) { ids.Add(_m.UnkId); prevUnk = true; } // a run of unknown pieces is one unknown token
        }
    }

    /// <summary>SentencePiece's normalisation with the identity rule: extra spaces removed if asked, a dummy prefix, spaces as the word marker.</summary>
    private string Normalize(string text)
    {
        if (text.Length == 0) return "";
        var sb = new StringBuilder(text.Length + 1);
        var rest = _m.RemoveExtraWhitespaces ? text.AsSpan().TrimStart(' ') : text.AsSpan();
        char space = _m.EscapeWhitespaces ? WordMarker : ' ';
        if (_m.AddDummyPrefix) sb.Append(space);
        foreach (char c in rest)
        {
            if (c == ' ' && _m.RemoveExtraWhitespaces && sb.Length > 0 && sb[^1] == space) continue;
            sb.Append(c == ' ' ? space : c);
        }
        if (_m.RemoveExtraWhitespaces) while (sb.Length > 0 && sb[^1] == space) sb.Length--;
        return sb.ToString();
    }

    private readonly struct Pairs(SentencePieceTextTokenizer t, string text) : IBpePairs
    {
        public bool TryMerge(in BpeSymbol left, in BpeSymbol right, out int rank, out int mergedId)
        {
            rank = 0;
            int length = right.End - left.Start;
            if (length > t._maxPieceLength || !t._mergeable.TryGetValue(text.AsSpan(left.Start, length), out mergedId)) { mergedId = -1; return false; }
            rank = t._rank[mergedId];
            return true;
        }
    }

    /// <summary>As SentencePiece decodes: control tokens vanish, bytes join into UTF-8, the marker is a space and the dummy prefix's space is dropped; added tokens read as their text unless special.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        bool first = true;
        foreach (int id in ids)
        {
            if ((uint)id >= _m.Pieces.Length)
            {
                var added = _added[id] ?? throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id outside the vocabulary of {VocabSize}");
                Flush(text, bytes);
                if (!added.Special) text.Append(added.Content);
                continue;
            }
            switch (_m.Types[id])
            {
                case PieceType.Control: continue;
                case PieceType.Byte when ByteToken.TryParse(_m.Pieces[id], out byte b): bytes.Add(b); first = false; continue;
            }
            Flush(text, bytes);
            string piece = _m.Types[id] == PieceType.Unknown ? " \u2047 " : _m.Pieces[id];
            if (first && _m.AddDummyPrefix && piece.Length > 0 && piece[0] == WordMarker) piece = piece[1..];
            first = false;
            text.Append(piece.Replace(WordMarker, ' '));
        }
        Flush(text, bytes);
        return text.ToString();
    }

    private static void Flush(StringBuilder text, List<byte> bytes)
    {
        if (bytes.Count == 0) return;
        text.Append(Encoding.UTF8.GetString([.. bytes]));
        bytes.Clear();
    }

    /// <summary>The piece with the word marker read as the space it stands for, an ASCII byte token as its character; an added token its text.</summary>
    public string TokenText(int id) =>
        (uint)id < _m.Pieces.Length ? ByteToken.Readable(_m.Pieces[id]).Replace(WordMarker, ' ')
        : _added[id]?.Content ?? throw new ArgumentOutOfRangeException(nameof(id), id, $"token id outside the vocabulary of {VocabSize}");
}
