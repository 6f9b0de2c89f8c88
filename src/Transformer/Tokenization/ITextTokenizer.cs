namespace NativeTV.Transformer.Tokenization;

/// <summary>Text to token ids and back, as the checkpoint's own tokenizer does it.</summary>
public interface ITextTokenizer
{
    int BosId { get; }
    /// <summary>Whether the checkpoint's tokenizer puts BOS first by default (tokenizer_config.json's add_bos_token).</summary>
    bool AddsBos => true;
    int VocabSize { get; }
    /// <summary>Ids of <paramref name="text"/>, with BOS first when <paramref name="addBos"/>.</summary>
    IReadOnlyList<int> Encode(string text, bool addBos);
    string Decode(IEnumerable<int> ids);

    /// <summary>
    /// One token as it reads inside a text, for showing tokens one by one (max-activating examples): unlike
    /// Decode of a lone id, a SentencePiece piece keeps its leading space and a special token its name.
    /// </summary>
    string TokenText(int id) => Decode([id]);
}
