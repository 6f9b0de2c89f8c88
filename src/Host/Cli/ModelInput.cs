using NativeTV.Transformer.Checkpoints;
using System.CommandLine;
using NativeTV.Transformer.Model;
using NativeTV.Transformer.Tokenization;

namespace NativeTV.Host.Cli;

/// <summary>--ids or --text: the token sequence a command runs on.</summary>
public sealed class ModelInput
{
    public Option<string?> Ids { get; } = new("--ids") { Description = "comma-separated token ids, used as given (no BOS added)" };
    public Option<string?> Text { get; } = new("--text") { Description = "text, tokenized with the checkpoint's tokenizer (tokenizer.json or tokenizer.model), BOS added" };

    public void AddTo(Command c) { c.Options.Add(Ids); c.Options.Add(Text); }

    public int[] Tokens(ParseResult pr, string modelDir, ModelConfig cfg)
    {
        string? ids = pr.GetValue(Ids), text = pr.GetValue(Text);
        if ((ids == null) == (text == null)) throw new ArgumentException("give exactly one of --ids and --text");
        var r = ids != null ? Parse.IntList(ids, "--ids") : TokenizerLoader.Load(modelDir).Encode(text!, addBos: true).ToArray();
        if (r.FirstOrDefault(x => x < 0 || x >= cfg.VocabSize, -1) is var bad && bad != -1)
            throw new ArgumentException($"token id {bad} is outside the vocabulary of {cfg.VocabSize}");
        return r;
    }
}
