using System.Text.Json;
using System.Text.Json.Nodes;

namespace NativeTV.Transformer.Organism;

/// <summary>
/// The organism's tasks as function_vectors dataset files (<c>[{"input", "output"}, ...]</c>), with
/// each pair's held-out split recorded so evaluations can report train, text-only and unseen words apart.
/// </summary>
public static class OrganismTaskFiles
{
    /// <summary>Writes <c>dir/&lt;task&gt;.json</c> for each task, all 128 items c-major, each file atomically.</summary>
    public static void Write(string dir)
    {
        Directory.CreateDirectory(dir);
        var v = OrganismWorld.Vocabulary;
        foreach (var task in OrganismWorld.Tasks)
        {
            var pairs = new JsonArray();
            for (int c = 0; c < OrganismWorld.Categories; c++)
                for (int i = 0; i < OrganismWorld.Items; i++)
                    pairs.Add(new JsonObject
                    {
                        ["input"] = v[task.InputId(c, i)],
                        ["output"] = v[task.OutputId(c, i)],
                        ["split"] = SplitName(OrganismWorld.Split(c, i)),
                    });
            AtomicFile.WriteAllText(Path.Combine(dir, task.Name + ".json"), pairs.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
    }

    private static string SplitName(WordSplit s) => s switch
    {
        WordSplit.Train => "train",
        WordSplit.TextOnly => "text-only",
        _ => "unseen",
    };
}
