using NativeTV.Organism;
using NativeTV.TaskVectors;

namespace NativeTV.Tests.TaskVectors;

/// <summary>Both public task formats load with every pair in order; every unusable file is an error naming it.</summary>
public class TaskLoaderTests
{
    private static string Good(params string[] p) => Fixtures.Dir(["tasks", "good", .. p]);
    private static string Bad(string name) => Fixtures.Dir("tasks", "bad", name);

    [Test]
    public void HendelKeepsDuplicateKeysInFileOrder()
    {
        var t = TaskLoader.Load(Good("antonyms_dup.json")).Single();
        Assert.That(t.Name, Is.EqualTo("antonyms_dup"));
        Assert.That(t.Source, Is.EqualTo(Good("antonyms_dup.json")));
        Assert.That(t.Splits, Is.Null);
        Assert.That(t.Pairs, Is.EqualTo(new[]
        {
            ("hot", "cold"), ("big", "small"), ("full", "empty"), ("fast", "slow"),
            ("full", "empty"), ("light", "dark"), ("heavy", "light"), ("light", "heavy"),
        }));
    }

    [Test]
    public void ToddTakesTheFirstOutputIgnoresOtherFieldsAndKeepsSplits()
    {
        var t = TaskLoader.Load(Good("capitals.json")).Single();
        Assert.That(t.Name, Is.EqualTo("capitals"));
        Assert.That(t.Pairs, Is.EqualTo(new[] { ("France", "Paris"), ("Spain", "Madrid"), ("Italy", "Rome"), ("Japan", "Tokyo") }));
        Assert.That(t.Splits, Is.EqualTo(new[] { "train", null, "test", null }));
        Assert.That(t.UsablePairs(), Is.EqualTo(new[] { 0 }));
    }

    [Test]
    public void FolderLoadsRecursivelyAndNamesDuplicatesByTheirFolder()
    {
        var tasks = TaskLoader.Load(Good());
        Assert.That(tasks.Select(t => t.Name), Is.EqualTo(new[] { "a/antonym", "antonyms_dup", "b/antonym", "capitals" }));
        Assert.That(tasks[0].Pairs, Is.EqualTo(new[] { ("walk", "walked"), ("run", "ran") }));
        Assert.That(tasks[2].Pairs, Is.EqualTo(new[] { ("up", "down") }));
    }

    [TestCase("empty_object.json", "empty")]
    [TestCase("empty_array.json", "empty")]
    [TestCase("empty_file.json", "line 1")]
    [TestCase("malformed.json", "malformed JSON at line 4")]
    [TestCase("empty_output.json", "pair 1 (input \"big\") has an empty output")]
    [TestCase("empty_output_list.json", "pair 1 has an empty output")]
    [TestCase("no_output.json", "pair 1 (input \"big\") has no \"output\"")]
    [TestCase("neither_string.json", "neither task format")]
    [TestCase("neither_lists.json", "neither task format")]
    [TestCase("neither_array_of_arrays.json", "neither task format")]
    public void BadFileIsAnErrorNamingTheFile(string name, string problem)
    {
        var e = Assert.Throws<TaskFileException>(() => TaskLoader.Load(Bad(name)))!;
        Assert.That(e.Message, Does.StartWith(Bad(name) + ": "));
        Assert.That(e.Message, Does.Contain(problem));
        Assert.That(e.File, Is.EqualTo(Bad(name)));
    }

    [Test]
    public void MissingPathAndEmptyFolderAreErrors()
    {
        string missing = Path.Combine(Fixtures.TempDir(), "nope");
        Assert.That(Assert.Throws<FileNotFoundException>(() => TaskLoader.Load(missing))!.Message, Does.Contain(missing));
        string empty = Fixtures.TempDir();
        Assert.That(Assert.Throws<TaskFileException>(() => TaskLoader.Load(empty))!.Message, Does.Contain("no .json task files"));
    }

    [Test]
    public void OrganismTasksAreWhatItsTaskFilesHold()
    {
        var builtIn = OrganismTasks.All();
        Assert.That(builtIn.Select(t => t.Name), Is.EqualTo(OrganismWorld.Tasks.Select(t => t.Name)));
        var dir = Path.Combine(Fixtures.TempDir(), "tasks");
        OrganismTaskFiles.Write(dir);
        var files = TaskLoader.Load(dir).ToDictionary(t => t.Name);
        foreach (var t in builtIn)
        {
            Assert.That(t.Pairs, Has.Count.EqualTo(128));
            Assert.That(t.Pairs, Is.EqualTo(files[t.Name].Pairs), t.Name);
            Assert.That(t.Splits, Is.EqualTo(files[t.Name].Splits), t.Name);
            Assert.That(t.UsablePairs(), Has.Count.EqualTo(96), t.Name);
            Assert.That(t.Source, Is.EqualTo(OrganismTasks.Source));
        }
        Assert.That(builtIn.Single(t => t.Name == "antonym").Pairs[0], Is.EqualTo(("bama", "baxa")));
        Assert.That(builtIn.Single(t => t.Name == "category_B").Pairs[16], Is.EqualTo(("MADE", "color")));
    }

    [Test]
    public void LoadsEveryHendelTaskWithDuplicates()
    {
        var tasks = TaskLoader.Load(Fixtures.SharedData("icl_task_vectors/data"));
        Assert.That(tasks, Has.Count.EqualTo(20));
        var antonyms = tasks.Single(t => t.Name == "antonyms");
        Assert.That(antonyms.Pairs, Has.Count.EqualTo(180));
        Assert.That(antonyms.Pairs.Select(p => p.Input).Distinct().Count(), Is.EqualTo(162));
        Assert.That(antonyms.Pairs[0], Is.EqualTo(("high", "low")));
        Assert.That(tasks.Single(t => t.Name == "country_capital").Pairs, Has.Count.EqualTo(139));
    }

    [Test]
    public void LoadsEveryToddTaskAndRejectsTheirHelperFile()
    {
        var dir = Fixtures.SharedData("function_vectors/dataset_files");
        var tasks = TaskLoader.Load(Path.Combine(dir, "abstractive")).Concat(TaskLoader.Load(Path.Combine(dir, "extractive"))).ToList();
        Assert.That(tasks, Has.Count.EqualTo(56));
        Assert.That(tasks.Single(t => t.Name == "country-capital").Pairs[0], Is.EqualTo(("Afghanistan", "Kabul")));
        // generate/categories.json maps names to word lists: not a task file, and the error says which file.
        var e = Assert.Throws<TaskFileException>(() => TaskLoader.Load(dir))!;
        Assert.That(e.Message, Does.Contain(Path.Combine("generate", "categories.json")).And.Contain("neither task format"));
    }

    [Test]
    public void LoadsHernandezRelationsFromTheirSamples()
    {
        var dir = Fixtures.SharedData("relations/data");
        var antonyms = TaskLoader.Load(Path.Combine(dir, "linguistic", "adj_antonym.json")).Single();
        Assert.That(antonyms.Name, Is.EqualTo("adj_antonym"));
        Assert.That(antonyms.Pairs, Has.Count.EqualTo(100));
        Assert.That(antonyms.Pairs[0], Is.EqualTo(("love", "hate")));
        Assert.That(TaskLoader.Load(dir), Has.Count.EqualTo(47));
    }

    [TestCase("""{"name": "r", "samples": [{"subject": "a", "object": "b"}, {"subject": "c"}]}""", "sample 1 (subject \"c\") has no \"object\"")]
    [TestCase("""{"samples": [{"subject": 1, "object": "b"}]}""", "sample 0: \"subject\" is a number")]
    [TestCase("""{"samples": [], "name": "r"}""", "no pairs")]
    public void BadHernandezSamplesNameTheFile(string json, string problem)
    {
        var file = Path.Combine(Fixtures.TempDir(), "rel.json");
        File.WriteAllText(file, json);
        var e = Assert.Throws<TaskFileException>(() => TaskLoader.Load(file))!;
        Assert.That(e.Message, Does.Contain(file).And.Contain(problem));
    }
}
