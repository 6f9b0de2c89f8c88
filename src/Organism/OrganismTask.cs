namespace NativeTV.Organism;

/// <summary>
/// One of the 12 organism tasks: input form -> output form with the item index shifted by
/// <paramref name="Shift"/> within its category, or -> the category name when
/// <paramref name="OutputForm"/> is null.
/// </summary>
public sealed record OrganismTask(int Index, string Name, WordForm InputForm, WordForm? OutputForm, int Shift)
{
    /// <summary>The relation token that states this task in text sequences.</summary>
    public int RelationId => OrganismWorld.RelationId(Index);

    public int InputId(int c, int i) => OrganismWorld.WordId(InputForm, c, i);

    public int OutputId(int c, int i) => OutputForm is { } f
        ? OrganismWorld.WordId(f, c, (i + Shift + OrganismWorld.Items) % OrganismWorld.Items)
        : OrganismWorld.CategoryNameId(c);

    /// <summary>The items (c, i) of <paramref name="split"/>, c-major; the split is the input's, the same for every task.</summary>
    public IEnumerable<(int c, int i)> Items(WordSplit split) => OrganismWorld.ItemsOf(split);
}
