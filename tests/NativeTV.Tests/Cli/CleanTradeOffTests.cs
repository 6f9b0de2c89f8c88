using System.Globalization;
using System.Text.Json;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.Cli;

/// <summary>`clean --l1 a,b`: the trade-off CSV and figure, whose every number is what a single-lambda `clean` gives.</summary>
public class CleanTradeOffTests
{
    private static string Clean(string l1)
    {
        string dir = Fixtures.TempDir();
        var (exit, _, err) = NativetvProcess.Run("clean", "--model", TinySweepModel.Dir, "--task", "antonym", "--layer", "1", "--steps", "6", "--l1", l1, "--out", dir, "--device", "cpu");
        Assert.That(exit, Is.EqualTo(0), err);
        return dir;
    }

    [Test]
    public void EachLambdasRowIsTheSingleLambdaRun()
    {
        float[] lambdas = [0.001f, 0.5f];
        string both = Clean(string.Join(",", lambdas.Select(l => l.ToString(CultureInfo.InvariantCulture))));
        string stem = Path.Combine(both, TradeOffFiles.Name("antonym", 1));
        foreach (var ext in new[] { ".png", ".svg" }) Assert.That(File.Exists(stem + ext), ext);
        var rows = File.ReadAllLines(stem + ".csv");
        Assert.That(rows[0], Is.EqualTo(TradeOffFiles.CsvHeader));
        Assert.That(rows.Skip(1).Count(r => r.EndsWith(",True")), Is.EqualTo(1), "one lambda chosen");
        var header = rows[0].Split(',');
        for (int i = 0; i < lambdas.Length; i++)
        {
            var row = rows[i + 1].Split(',');
            double Col(string name) => double.Parse(row[Array.IndexOf(header, name)], CultureInfo.InvariantCulture);
            using var single = JsonDocument.Parse(File.ReadAllText(Path.Combine(Clean(lambdas[i].ToString(CultureInfo.InvariantCulture)), "antonym.L1.json")));
            var root = single.RootElement;
            Assert.That(Col("lambda"), Is.EqualTo(lambdas[i]).Within(1e-6));
            Assert.That(Col("l0"), Is.EqualTo(root.GetProperty("l0").GetInt32()));
            Assert.That(Col("eval_loss"), Is.EqualTo(root.GetProperty("scores").GetProperty("cleaned").GetProperty("Nll").GetDouble()).Within(1e-5));
            Assert.That(row[Array.IndexOf(header, "worse_than_start")], Is.EqualTo(root.GetProperty("worse_than_reconstruction").GetBoolean().ToString()));
            Assert.That(Col("eval_loss_lo"), Is.LessThanOrEqualTo(Col("eval_loss")));
            Assert.That(Col("eval_loss_hi"), Is.GreaterThanOrEqualTo(Col("eval_loss")));
            // The several-lambda run also keeps each vector, named by its lambda.
            Assert.That(File.Exists(Path.Combine(both, $"antonym.L1.l1_{lambdas[i].ToString(CultureInfo.InvariantCulture)}.safetensors")));
        }
    }
}
