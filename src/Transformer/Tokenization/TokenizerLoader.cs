using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Tokenization;

public static class TokenizerLoader
{
    /// <summary>The tokenizer of a checkpoint folder (its tokenizer.model).</summary>
    public static ITextTokenizer Load(string modelDir)
    {
        var spm = Path.Combine(modelDir, "tokenizer.model");
        if (File.Exists(spm)) return new SentencePieceTextTokenizer(spm);
        throw new CheckpointException(modelDir, "no tokenizer.model in the checkpoint folder (use --ids instead of --text)");
    }
}
