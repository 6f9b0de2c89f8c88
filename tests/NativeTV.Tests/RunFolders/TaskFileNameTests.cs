using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

namespace NativeTV.Tests.RunFolders;

public class TaskFileNameTests
{
    [Test]
    public void DistinctTasksGetDistinctSafeFileNames()
    {
        string[] tasks = ["sub/x", "sub_x", "sub%2Fx", "sub x", "x.L3", "antonym", "antónimo", "a/b/c", ".", "..", "a.b"];
        var names = tasks.Select(TaskFileName.Of).ToList();
        Assert.That(names, Is.Unique);
        Assert.That(names.All(n => !n.Contains('/') && !n.Contains('.') && n.Length > 0));
        Assert.That(TaskFileName.Of("antonym"), Is.EqualTo("antonym"));
        Assert.That(TaskFileName.Of("sub/x"), Is.EqualTo("sub%2Fx"));
        Assert.That(TaskFileName.Of("antónimo"), Is.EqualTo("antónimo"), "letters of any script stay readable");
        Assert.That(CleanedVectorFiles.LayerOf(CleanedVectorFiles.Name("x.L3", 7) + ".json"), Is.EqualTo(7));
    }
}
