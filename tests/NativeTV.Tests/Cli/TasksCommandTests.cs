namespace NativeTV.Tests.Cli;

/// <summary>`nativetv tasks list`: the organism's tasks with no files, a folder of task files, and a bad file as one clear error.</summary>
public class TasksCommandTests
{
    [Test]
    public void ListsTheOrganismTasksByDefault()
    {
        var (exit, stdout, stderr) = NativetvProcess.Run("tasks", "list");
        Assert.That(exit, Is.Zero, stderr);
        foreach (var name in new[] { "copy", "antonym", "successor", "predecessor", "category", "plural", "singular", "translate_AB", "translate_BA", "antonym_B", "successor_B", "category_B" })
            Assert.That(stdout, Does.Contain(name));
        Assert.That(stdout, Does.Contain("bama -> baxa"));
        Assert.That(stdout, Does.Contain("128"));
        Assert.That(stdout, Does.Contain("12 tasks from").And.Contain("organism/tasks"));
    }

    [Test]
    public void ListsAFolderAndReportsABadFile()
    {
        var (exit, stdout, stderr) = NativetvProcess.Run("tasks", "list", "--tasks", Fixtures.Dir("tasks", "good"));
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("a/antonym").And.Contain("b/antonym").And.Contain("antonyms_dup").And.Contain("capitals"));
        Assert.That(stdout, Does.Contain("hot -> cold").And.Contain("France -> Paris"));

        string bad = Fixtures.Dir("tasks", "bad", "malformed.json");
        (exit, _, stderr) = NativetvProcess.Run("tasks", "list", "--tasks", bad);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.StartWith($"error: {bad}: malformed JSON at line 4"));
    }

    [Test]
    public void PrintsATaskNameWithBrackets()
    {
        string dir = Fixtures.TempDir();
        File.WriteAllText(Path.Combine(dir, "a[b].json"), "{\"hot\": \"cold\", \"[up]\": \"down\"}");
        var (exit, stdout, stderr) = NativetvProcess.Run("tasks", "list", "--tasks", dir);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(ConsoleTable.Rows(stdout).Single(r => r[0] == "a[b]")[3], Is.EqualTo("hot -> cold"));
    }
}
