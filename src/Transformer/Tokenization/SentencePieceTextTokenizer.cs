using Microsoft.ML.Tokenizers;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Tokenization;

/// <summary>A checkpoint's tokenizer.model (SentencePiece, as Gemma and Phi-3 ship it) through Microsoft.ML.Tokenizers.</summary>
public sealed class SentencePieceTextTokenizer : ITextTokenizer
{
    private readonly SentencePieceTokenizer _sp;
    public int BosId => _sp.BeginningOfSentenceId;
    public int VocabSize => _sp.Vocabulary.Count;

    public SentencePieceTextTokenizer(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, "file not found");
        try
        {
            using var s = File.OpenRead(path);
            _sp = SentencePieceTokenizer.Create(s, false, false);
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            throw new CheckpointException(path, $"not a SentencePiece model this tokenizer library can read ({e.Message})");
        }
    }

    public IReadOnlyList<int> Encode(string text, bool addBos)
    {
        var ids = _sp.EncodeToIds(text);
        return addBos ? [BosId, .. ids] : ids;
    }

    public string Decode(IEnumerable<int> ids) => _sp.Decode(ids) ?? "";

    private string[]? _pieces;

    /// <summary>The vocabulary's piece, with SentencePiece's word marker "\u2581" read as the space it stands for.</summary>
    public string TokenText(int id)
    {
        if (_pieces == null)
        {
            var pieces = new string[_sp.Vocabulary.Values.Max() + 1];
            foreach (var (piece, i) in _sp.Vocabulary) pieces[i] = piece;
            _pieces = pieces;
        }
        return id >= 0 && id < _pieces.Length && _pieces[id] is { } p ? p.Replace('\u2581', ' ') : Decode([id]);
    }
}
