using NativeTV.TaskVectors;

namespace NativeTV.Organism;

/// <summary>
/// The 12 tasks of the organism (ORGANISM.md) as ICL tasks: all 128 items c-major with each pair's split,
/// spelled as its tokenizer reads them; what <see cref="OrganismTaskFiles"/> writes into its tasks/ folder.
/// </summary>
public static class OrganismTasks
{
    /// <summary>Source of the tasks from <see cref="All"/>.</summary>
    public const string Source = "built-in organism";

    public static IReadOnlyList<IclTask> All() => OrganismWorld.Tasks.Select(t =>
    {
        var pairs = new List<(string, string)>();
        var splits = new List<string?>();
        for (int c = 0; c < OrganismWorld.Categories; c++)
            for (int i = 0; i < OrganismWorld.Items; i++)
            {
                string output = t.OutputForm is { } f
                    ? OrganismWorld.Spell(f, c, (i + t.Shift + OrganismWorld.Items) % OrganismWorld.Items)
                    : OrganismWorld.CategoryNames[c];
                pairs.Add((OrganismWorld.Spell(t.InputForm, c, i), output));
                splits.Add(OrganismTaskFiles.SplitName(OrganismWorld.Split(c, i)));
            }
        return new IclTask(t.Name, pairs, Source, splits);
    }).ToList();
}
