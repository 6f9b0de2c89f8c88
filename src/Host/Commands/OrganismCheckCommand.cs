using NativeTV.Transformer.Files;
using System.CommandLine;
using System.Text.Json;
using NativeTV.Host.Cli;
using NativeTV.Sae;
using NativeTV.Sae.Formats;
using NativeTV.Transformer.Model;
using NativeTV.Organism;
using NativeTV.TaskVectors;
using Spectre.Console;

namespace NativeTV.Host.Commands;

/// <summary>`nativetv organism check`: ORGANISM.md's checks measured on a trained organism, beside the expected ranges; exit code 1 when one misses.</summary>
public static class OrganismCheckCommand
{
    /// <summary>The layer of the organism's SAE (ORGANISM.md: its task vector forms at layer 2).</summary>
    public const int OrganismSaeLayer = 2;

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        var json = new Option<string?>("--json") { Description = "also write the report as JSON to this file" };
        var seed = new Option<int>("--seed") { Description = "seeds the prompt samples", DefaultValueFactory = _ => 0 };
        var readme = new Option<bool>("--readme") { Description = "write the results into the model folder's README.md" };
        var cmd = new Command("check", "Measure ORGANISM.md's checks (ICL accuracy, task vectors by layer) on an organism") { model, device, threads, json, seed, readme };
        cmd.SetAction(pr => CliErrors.Run(() =>
        {
            CommonOptions.UseThreads(pr, threads);
            string dir = CommonOptions.ModelDir(pr, model);
            using var be = CommonOptions.CreateBackend(pr.GetValue(device)!);
            using var m = TransformerModel.Load(dir, be);
            if (m.Config.VocabSize != OrganismWorld.VocabSize) throw new ArgumentException($"{dir} is not an organism (vocabulary {m.Config.VocabSize}, the organism's is {OrganismWorld.VocabSize})");
            OrganismCheckReport report = null!;
            AnsiConsole.Status().Start("measuring", ctx =>
            {
                report = OrganismChecks.Run(m, pr.GetValue(seed), s => ctx.Status(Markup.Escape(s)));
                // The committed organism carries its layer-2 SAE: check it too when present.
                string saeDir = Path.Combine(dir, $"sae-l{OrganismSaeLayer}");
                if (Directory.Exists(saeDir))
                {
                    ctx.Status("SAE checks");
                    using var sae = new DeviceSae(SaeLoader.Load(saeDir, m.Config.HiddenSize, OrganismSaeLayer), be);
                    report = report with { Checks = [.. report.Checks, .. OrganismSaeChecks.Run(m, sae, OrganismSaeLayer, pr.GetValue(seed))] };
                }
            });
            Print(report, dir);
            if (pr.GetValue(readme)) OrganismReadme.Write(dir, report, be.DeviceDescription);
            if (pr.GetValue(json) is { } path)
            {
                AtomicFile.WriteAllText(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            }
            return report.AllPass ? 0 : 1;
        }));
        return cmd;
    }

    public static void Print(OrganismCheckReport r, string dir)
    {
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(dir)}[/]: zero-shot first-token accuracy / nll over the train words of 11 tasks (singular left out); TV at the final `->` of {OrganismChecks.TvPrompts} {OrganismChecks.TvShots}-shot prompts");
        var icl = new Table().AddColumn("ICL prompts (first-token accuracy, 11 tasks)").AddColumn("accuracy");
        foreach (var (k, v) in r.IclAccuracy) icl.AddRow(Markup.Escape(k.Replace("/", " words, ") + " shots"), $"{v:F3}");
        AnsiConsole.Write(icl);
        var layers = new Table().AddColumn("layer").AddColumn("no steering").AddColumn("+TV").AddColumn("+2xTV").AddColumn("patched TV").AddColumn("TV - corrupted");
        static string F(ScoreSummary s) => $"{s.Accuracy:F3} / {s.Nll:F2}";
        foreach (var row in r.Layers)
            layers.AddRow(row.Layer == r.BestLayer ? $"[bold]{row.Layer}[/]" : $"{row.Layer}", F(row.None), F(row.Tv), F(row.Tv2), F(row.Patch), F(row.TvMinusCorrupted));
        AnsiConsole.Write(layers);
        var checks = new Table().AddColumn("check").AddColumn("measured").AddColumn("expected (ORGANISM.md)").AddColumn("");
        foreach (var c in r.Checks)
            checks.AddRow(Markup.Escape(c.Name), $"{c.Value:0.###}", Markup.Escape(c.Expected), c.Pass ? "[green]ok[/]" : "[red]MISS[/]");
        AnsiConsole.Write(checks);
        AnsiConsole.MarkupLine(r.AllPass ? "[green]all checks pass[/]" : $"[red]{r.Checks.Count(c => !c.Pass)} check(s) missed[/]");
    }
}
