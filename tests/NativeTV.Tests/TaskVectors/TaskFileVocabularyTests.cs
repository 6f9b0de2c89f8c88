using NativeTV.Organism;
using NativeTV.TaskVectors;

namespace NativeTV.Tests.TaskVectors;

/// <summary>A task whose words the tokenizer cannot read is an error naming the task file, the one to fix.</summary>
public class TaskFileVocabularyTests
{
    [Test]
    public void EmojiTaskNamesItsFile()
    {
        var file = Path.Combine(Fixtures.TempDir(), "emoji.json");
        File.WriteAllText(file, "{" + string.Join(",", Enumerable.Range(0, 40).Select(i => $"\"\U0001F600{i}\": \"\U0001F389{i}\"")) + "}");
        var task = TaskLoader.LoadFile(file, "emoji");
        var e = Assert.Throws<TaskFileException>(() => new PromptBuilder(OrganismWorld.Tokenizer(), OrganismFolder.Manifest.Prompts()).Build(task, 2, 2, 2))!;
        Assert.That(e.Message, Does.StartWith($"{file}: task emoji: unknown word '\U0001F600").And.Contain("not in the tokenizer's vocabulary"));
    }
}
