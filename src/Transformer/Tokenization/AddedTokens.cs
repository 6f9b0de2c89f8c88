using System.Buffers;

namespace NativeTV.Transformer.Tokenization;

/// <summary>One added token as transformers declares it: its text, id, whether it is special (skipped when decoding), and whether it eats the whitespace beside it.</summary>
public sealed record AddedToken(string Content, int Id, bool Special, bool LStrip = false, bool RStrip = false);

/// <summary>
/// Added tokens (special or not) found in the text before the vocabulary model sees it, as transformers does:
/// leftmost match first, the longest at that position; each text between them is encoded on its own.
/// </summary>
public sealed class AddedTokens
{
    public static readonly AddedTokens None = new([]);

    private readonly Dictionary<int, AddedToken> _byId;
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;
    private readonly SearchValues<char> _firstChars;

    public AddedTokens(IEnumerable<AddedToken> tokens)
    {
        var list = tokens.Where(t => t.Content.Length > 0).ToList();
        _byId = list.GroupBy(t => t.Id).ToDictionary(g => g.Key, g => g.Last());
        _byFirstChar = list.GroupBy(t => t.Content[0]).ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
        _firstChars = SearchValues.Create([.. _byFirstChar.Keys]);
    }

    public int MaxId => _byId.Count == 0 ? -1 : _byId.Keys.Max();

    public AddedToken? this[int id] => _byId.GetValueOrDefault(id);

    /// <summary>Ids of <paramref name="text"/>: BOS first when asked, added tokens as their ids, the text between them through <paramref name="encodeSegment"/>.</summary>
    public List<int> Encode(string text, bool addBos, int bosId, Action<string, List<int>> encodeSegment)
    {
        var ids = new List<int>();
        if (addBos) ids.Add(bosId >= 0 ? bosId : throw new InvalidOperationException("the tokenizer declares no BOS token"));
        int from = 0;
        while (Find(text, from) is var (at, token) && token != null)
        {
            int end = at + token.Content.Length;
            if (token.LStrip) while (at > from && char.IsWhiteSpace(text[at - 1])) at--;
            if (token.RStrip) while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            if (at > from) encodeSegment(text[from..at], ids);
            ids.Add(token.Id);
            from = end;
        }
        if (from < text.Length) encodeSegment(text[from..], ids);
        return ids;
    }

    /// <summary>The leftmost added token at or after <paramref name="from"/>, the longest one there.</summary>
    private (int At, AddedToken? Token) Find(string text, int from)
    {
        if (_byFirstChar.Count == 0) return (-1, null);
        for (int at = from; at < text.Length; at++)
        {
            int skip = text.AsSpan(at).IndexOfAny(_firstChars);
            if (skip < 0) break;
            at += skip;
            foreach (var t in _byFirstChar[text[at]])
                if (text.AsSpan(at).StartsWith(t.Content)) return (at, t);
        }
        return (-1, null);
    }
}
