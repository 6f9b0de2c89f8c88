namespace NativeTV.TaskVectors.Cleaning;

/// <summary>
/// Where cleaning settings come from: METHOD.md's (the authors', for real models), a model's own in its
/// <see cref="ModelManifest"/> (the organism's: ORGANISM.md's lr 0.05 and 200 steps, with L1 0.01 by the loss-L0 trade-off), and the detectors'.
/// </summary>
public static class CleaningRecipes
{
    public static readonly CleaningOptions Authors = new();

    /// <summary>Task detectors are cleaned with a far smaller penalty (METHOD.md §7).</summary>
    public static readonly CleaningOptions Detectors = new(L1: 5e-4f, Lr: 0.01f);

    /// <summary>The model's recipe: its manifest's values over the authors'.</summary>
    public static CleaningOptions Of(ModelManifest m) => m.Cleaning is not { } c ? Authors : Authors with
    {
        L1 = c.L1 ?? Authors.L1, Lr = c.Lr ?? Authors.Lr, Steps = c.Steps ?? Authors.Steps, Patience = c.Patience ?? Authors.Patience,
    };
}
