using NativeTV.Host.Cli;
using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Tests.RunFolders;

namespace NativeTV.Tests.Cleaning;

/// <summary>
/// A sweep cleaning at two lambdas on the organism (antonym at layer 2, few prompts and steps): results.jsonl keeps both
/// points, the cleaned score is the one the rule picks on the cleaning split, the saved vector scores what was recorded,
/// results.csv names the lambda and the cleaning-split losses, and the settings guard records the list.
/// </summary>
public class LambdaSweepTests
{
    [Test]
    public void RecordsEveryLambdasPointAndKeepsTheOneTheRulePicks()
    {
        string dir = Fixtures.TempDir();
        var tasks = PipelineContext.DefaultTasks(BuiltInModel.Path).Where(t => t.Name == "antonym").ToList();
        using var ctx = PipelineContext.Open(BuiltInModel.Path, "cpu", tasks, null, seed: 0, counts: new PromptCounts(4, 8, 8));
        using var folder = RunFolder.Open(dir, "--out", "sweep");
        float[] lambdas = [0.01f, 0.2f];
        // The plain lowest objective (AllowWorse): 0.2 then trades the task for sparsity, where the kept-no-worse rule would keep its start.
        var o = new SweepOptions([2], Cleaning: new CleaningOptions(Lr: 0.05f, Steps: 12, AllowWorse: true), Lambdas: lambdas);
        var sweep = new Sweep(ctx, folder, o, "organism tasks", restart: false);
        var cell = sweep.Run(sweep.Todo.Single());
        sweep.Finish();

        var logged = ResultsLog.Read(Path.Combine(dir, "results.jsonl")).Single();
        Assert.That(logged.Lambdas!.Select(p => p.L1), Is.EqualTo(new[] { 0.01, 0.2 }));
        var chosen = logged.Lambdas![LambdaChoice.Pick(logged.Lambdas!)];
        var cleaned = logged.Methods[Methods.Cleaned];
        Assert.That((cleaned.L1, cleaned.L0, cleaned.Loss, cleaned.CleanLoss), Is.EqualTo((chosen.L1, (int?)chosen.L0, chosen.EvalLoss, (double?)chosen.CleanLoss)));
        Assert.That(logged.Lambdas!.Select(p => p.L0).Distinct().Count(), Is.EqualTo(2), "a 20x larger penalty keeps fewer features");
        Assert.That(logged.Methods[Methods.Tv].CleanLoss, Is.Not.Null);
        // results.csv names the chosen lambda on every cleaned row (held-out splits too) and each score's cleaning-split loss.
        var rows = ResultsCsv.Rows(dir);
        Assert.That(rows.Where(r => r["method"] == Methods.Cleaned).Select(r => ResultsCsv.Number(r["l1"])), Is.Not.Empty.And.All.EqualTo(chosen.L1));
        Assert.That(rows.Where(r => r["method"] != Methods.Cleaned).Select(r => r["l1"]), Is.All.Empty);
        foreach (var m in new[] { Methods.Tv, Methods.TvScaled, Methods.Cleaned })
            Assert.That(rows.Single(r => r["method"] == m && r["queries"] == ResultsLog.EvalQueries)["clean_loss"],
                Is.EqualTo(FormattableString.Invariant($"{logged.Methods[m].CleanLoss:G6}")), m);
        Assert.That(rows.Single(r => r["method"] == Methods.ZeroShot && r["queries"] == ResultsLog.EvalQueries)["clean_loss"], Is.Empty);

        // Recomputed: the saved vector on the prompts of each split gives the recorded losses.
        var t = ctx.Prompts.Single();
        float[] v;
        using (var f = new SafetensorsFile(Path.Combine(dir, "cleaned", "antonym.L2.safetensors"))) v = f.ReadFloats("vector");
        double Loss(IReadOnlyList<Prompt> p) => ScoreSummary.Of(PromptScorer.Score(ctx.Model, p, new Steer(2, v), ctx.NFirst)).Nll;
        Assert.That(Loss(t.Eval), Is.EqualTo(cleaned.Loss).Within(1e-5));
        Assert.That(Loss(t.Clean), Is.EqualTo(chosen.CleanLoss).Within(1e-5));
        Assert.That(File.ReadAllText(Path.Combine(dir, "settings.json")), Does.Contain("\"l1\": \"0.01,0.2\""));
        Assert.That(File.ReadAllLines(Path.Combine(dir, "figures", "tradeoff.antonym.L2.csv")), Has.Length.EqualTo(3));
        Assert.That(File.Exists(Path.Combine(dir, "figures", "tradeoff.antonym.L2.png")));
    }
}
