using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using NativeTV.Host.Cli;
using NativeTV.Transformer.Tokenization;

namespace NativeTV.Host.Commands;

/// <summary>
/// `nativetv tokenize`: a checkpoint's tokenizer on a text or on a JSONL file of {"text": ...} lines, one
/// {"ids": [...], "tokens": [...]} line out per text in order. Scripts rely on these options and this output.
/// </summary>
public static class TokenizeCommand
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "folder with tokenizer.json and/or tokenizer.model (and tokenizer_config.json); default: the built-in organism", };
        var text = new Option<string?>("--text") { Description = "one text to tokenize" };
        var file = new Option<string?>("--file") { Description = "a JSONL file, one {\"text\": ...} object per line" };
        var noBos = new Option<bool>("--no-bos") { Description = "never add BOS (by default the checkpoint's rule applies: tokenizer_config.json's add_bos_token)" };
        var idsOnly = new Option<bool>("--ids-only") { Description = "print only the ids, without each token's text" };
        var cmd = new Command("tokenize", "Token ids of a text or a JSONL file, as the checkpoint's tokenizer makes them") { model, text, file, noBos, idsOnly };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            string? t = pr.GetValue(text), f = pr.GetValue(file);
            if ((t == null) == (f == null)) throw new ArgumentException("give exactly one of --text and --file");
            var tok = TokenizerLoader.Load(CommonOptions.ModelDir(pr, model));
            bool addBos = tok.AddsBos && !pr.GetValue(noBos), withTokens = !pr.GetValue(idsOnly);
            using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false));
            foreach (var input in t != null ? [t] : Texts(f!))
            {
                var ids = tok.Encode(input, addBos);
                object line = withTokens ? new { ids, tokens = ids.Select(tok.TokenText) } : new { ids };
                stdout.WriteLine(JsonSerializer.Serialize(line, Json));
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>The "text" of each line of a JSONL file, read lazily; a line that is not {"text": "..."} is an error naming the file and line.</summary>
    private static IEnumerable<string> Texts(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            string? value = null;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("text", out var v) && v.ValueKind == JsonValueKind.String)
                    value = v.GetString();
            }
            catch (JsonException) { }
            yield return value ?? throw new FormatException($"{path} line {n}: not a JSON object with a string \"text\"");
        }
    }
}
