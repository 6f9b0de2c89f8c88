using NativeTV.Transformer.Files;
using System.Globalization;
using System.Text;
using NativeTV.Organism;

namespace NativeTV.Host.Commands;

/// <summary>The organism folder's README.md: what it is, how it was trained, and the checks measured on it beside ORGANISM.md's ranges.</summary>
public static class OrganismReadme
{
    public static void Write(string dir, OrganismCheckReport r, string device)
    {
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# The NativeTV model organism").AppendLine();
        sb.AppendLine("A 6-layer, d_model 128 Phi-3 with tied embeddings (1.33M parameters), trained by `nativetv organism train` on the");
        sb.AppendLine("synthetic world of ORGANISM.md (12 known tasks), as a Hugging Face Phi-3 folder. `tokenizer.json` is word-level");
        sb.AppendLine("(one token per whitespace-separated word, newline a token; ids fixed by ORGANISM.md), `tasks/` holds the 12 tasks in");
        sb.AppendLine("the function_vectors format with each pair's split, `corpus.jsonl` a sample of the training mixture, `train-log.csv`");
        sb.AppendLine("the loss per step, `sae-l2/` and `sae-l1/` ReLU SAEs on resid_pre[2] and resid_pre[1] trained by `nativetv sae train`.").AppendLine();
        sb.AppendLine(ic, $"## Checks (`nativetv organism check`, {device}, {DateTime.UtcNow:yyyy-MM-dd})").AppendLine();
        sb.AppendLine("| check | measured | expected (ORGANISM.md) | |").AppendLine("|---|---|---|---|");
        foreach (var c in r.Checks) sb.AppendLine(ic, $"| {c.Name} | {c.Value:0.###} | {c.Expected} | {(c.Pass ? "ok" : "MISS")} |");
        sb.AppendLine().AppendLine("ICL first-token accuracy (11 tasks, singular left out):").AppendLine();
        sb.AppendLine("| prompts | accuracy |").AppendLine("|---|---|");
        foreach (var (k, v) in r.IclAccuracy) sb.AppendLine(ic, $"| {k.Replace("/", " words, ")} shots | {v:F3} |");
        sb.AppendLine().AppendLine("Zero-shot accuracy / nll at each layer (train words, 11 tasks):").AppendLine();
        sb.AppendLine("| layer | no steering | +TV | +2xTV | patched TV | TV - random-pair mean |").AppendLine("|---|---|---|---|---|---|");
        foreach (var l in r.Layers)
            sb.AppendLine(ic, $"| {l.Layer} | {l.None.Accuracy:F3} / {l.None.Nll:F2} | {l.Tv.Accuracy:F3} / {l.Tv.Nll:F2} | {l.Tv2.Accuracy:F3} / {l.Tv2.Nll:F2} | {l.Patch.Accuracy:F3} / {l.Patch.Nll:F2} | {l.TvMinusCorrupted.Accuracy:F3} / {l.TvMinusCorrupted.Nll:F2} |");
        // A hand-written "## Training" section (seed, what was tried) survives regeneration.
        string path = Path.Combine(dir, "README.md");
        if (File.Exists(path))
        {
            var old = File.ReadAllText(path);
            int at = old.IndexOf("\n## Training", StringComparison.Ordinal);
            if (at >= 0) sb.AppendLine().Append(old[(at + 1)..]);
        }
        AtomicFile.WriteAllText(path, sb.ToString());
    }
}
