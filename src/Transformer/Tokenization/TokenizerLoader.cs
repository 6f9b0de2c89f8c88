using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Tokenization;

public static class TokenizerLoader
{
    /// <summary>
    /// The tokenizer of a checkpoint folder: its tokenizer.model (SentencePiece, as Gemma and Phi-3
    /// ship it) or else a word-level tokenizer.json (as the model organism ships it).
    /// </summary>
    public static ITextTokenizer Load(string modelDir)
    {
        var spm = Path.Combine(modelDir, "tokenizer.model");
        if (File.Exists(spm)) return new SentencePieceTextTokenizer(spm);
        var json = Path.Combine(modelDir, "tokenizer.json");
        if (File.Exists(json)) return WordLevelTokenizer.Load(json);
        throw new CheckpointException(modelDir, "no tokenizer.model or tokenizer.json in the checkpoint folder (use --ids instead of --text)");
    }

    /// <summary>Whether <see cref="Load"/> has a tokenizer file to read in <paramref name="modelDir"/>.</summary>
    public static bool Exists(string modelDir) =>
        File.Exists(Path.Combine(modelDir, "tokenizer.model")) || File.Exists(Path.Combine(modelDir, "tokenizer.json"));
}
