using System.Text.RegularExpressions;
using NativeTV.Host.Cli;
using NativeTV.TaskVectors.Runs;
using Spectre.Console;

namespace NativeTV.Tests.Reports;

/// <summary>What sweep prints: the summary fits 100 columns with task names whole and no NaN; progress without a terminal is timed lines.</summary>
public class ConsoleOutputTests
{
    private static readonly string[] Tasks = ["translate_AB", "successor_B", "antonym"];

    [TestCase(80)]
    [TestCase(100)]
    public void TheSummaryFitsAHundredColumnsWithTaskNamesWhole(int width)
    {
        var cells = Tasks.Select(task => new SweepCell(task, 12, Methods.All.ToDictionary(m => m,
            m => new MethodScore(task == "antonym" && m == Methods.Icl ? double.NaN : 12.345, 0.5, m.StartsWith("sae") || m is Methods.Pursuit or Methods.Cleaned ? 123 : null)))).ToList();
        var w = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(w), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = width;
        console.Write(SummaryTable.Create(cells));
        var lines = w.ToString().Split('\n');
        Assert.That(lines.Max(l => l.TrimEnd().Length), Is.LessThanOrEqualTo(SummaryTable.Width), w.ToString());
        foreach (var task in Tasks) Assert.That(lines, Has.Some.Contains(task), w.ToString());
        Assert.That(w.ToString(), Does.Not.Contain("NaN").And.Contain("n/a"));
    }

    [Test]
    public void WithoutATerminalProgressPrintsAStartLineThenTimedTenths()
    {
        var w = new StringWriter();
        int result = new PlainProgress(w, "sweep", 100, TimeSpan.FromMilliseconds(5)).Run(bar =>
        {
            for (int i = 0; i < 100; i++) { bar.Increment(1); Thread.Sleep(4); }
            return 7;
        });
        var lines = w.ToString().TrimEnd().Split(Environment.NewLine);
        Assert.That(result, Is.EqualTo(7));
        Assert.That(lines[0], Is.EqualTo("sweep: started, 100 steps"));
        Assert.That(lines[^1], Does.Match(@"^sweep: done in \d+:\d\d$"));
        var middle = lines[1..^1];
        Assert.That(middle.Length, Is.InRange(3, 9), w.ToString());
        Assert.That(middle, Has.All.Match(@"^sweep: \d+ ?%, \d+:\d\d elapsed, about \d+:\d\d left$"));
    }
}
