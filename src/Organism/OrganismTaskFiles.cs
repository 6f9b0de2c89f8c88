using NativeTV.Transformer.Files;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NativeTV.Organism;

/// <summary>
/// The organism's tasks as function_vectors dataset files (<c>[{"input", "output"}, ...]</c>), with
/// each pair's held-out split recorded so evaluations can report train, text-only and unseen words apart.
/// </summary>
public static class OrganismTaskFiles
{
    /// <summary>Writes <c>dir/&lt;task&gt;.json</c> for each of <see cref="OrganismTasks.All"/>, each file atomically.</summary>
    public static void Write(string dir)
    {
        Directory.CreateDirectory(dir);
        foreach (var task in OrganismTasks.All())
        {
            var pairs = new JsonArray();
            for (int j = 0; j < task.Pairs.Count; j++)
                pairs.Add(new JsonObject { ["input"] = task.Pairs[j].Input, ["output"] = task.Pairs[j].Output, ["split"] = task.Splits![j] });
            AtomicFile.WriteAllText(Path.Combine(dir, task.Name + ".json"), pairs.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
    }

    /// <summary>A split as task files name it.</summary>
    public static string SplitName(WordSplit s) => s switch
    {
        WordSplit.Train => NativeTV.TaskVectors.IclTask.TrainSplit,
        WordSplit.TextOnly => "text-only",
        _ => "unseen",
    };
}
