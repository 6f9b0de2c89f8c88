using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Tokenization;

public static class TokenizerLoader
{
    /// <summary>
    /// The tokenizer of a checkpoint folder, chosen as transformers does: tokenizer.json when present (a BPE
    /// model, as Gemma's; or the model organism's word-level file), else tokenizer.model (SentencePiece BPE,
    /// as Phi-3's) with added_tokens.json; BOS and added tokens per tokenizer_config.json and config.json.
    /// </summary>
    public static ITextTokenizer Load(string modelDir)
    {
        string json = Path.Combine(modelDir, "tokenizer.json"), spm = Path.Combine(modelDir, "tokenizer.model");
        if (File.Exists(json))
        {
            var doc = TokenizerJson.ParseDocument(json);
            var root = TokenizerJson.AsObject(doc.RootElement, json);
            string? type = TokenizerJson.String(root["model"] as System.Text.Json.Nodes.JsonObject, "type", json);
            return type switch
            {
                "WordLevel" => WordLevelTokenizer.FromJson(root, json),
                "BPE" => HfBpeTokenizer.FromJson(doc, json, TokenizerConfig.Read(modelDir)),
                _ => throw new CheckpointException(json, $"model type is {type ?? "missing"}; only BPE and WordLevel tokenizer.json files are supported"),
            };
        }
        if (File.Exists(spm))
        {
            var model = SentencePieceModel.Read(spm);
            var config = TokenizerConfig.Read(modelDir);
            var added = new AddedTokens(config.AddedTokens);
            var (bos, adds) = config.Bos(t => Array.IndexOf(model.Pieces, t) is var i and >= 0 ? i : config.AddedTokens.FirstOrDefault(a => a.Content == t)?.Id, model.BosId, true);
            return new SentencePieceTextTokenizer(model, added, bos, adds);
        }
        throw new CheckpointException(modelDir, "no tokenizer.model or tokenizer.json in the checkpoint folder (use --ids instead of --text)");
    }

    /// <summary>Whether <see cref="Load"/> has a tokenizer file to read in <paramref name="modelDir"/>.</summary>
    public static bool Exists(string modelDir) =>
        File.Exists(Path.Combine(modelDir, "tokenizer.model")) || File.Exists(Path.Combine(modelDir, "tokenizer.json"));
}
