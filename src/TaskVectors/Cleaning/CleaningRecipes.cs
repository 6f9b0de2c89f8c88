namespace NativeTV.TaskVectors.Cleaning;

/// <summary>
/// Where cleaning settings come from: METHOD.md's (the authors', for real models), a model's own in its
/// <see cref="ModelManifest"/> (the organism's: ORGANISM.md's lr 0.05 and 200 steps, with L1 0.01 by the loss-L0 trade-off), and the detectors',
/// which a manifest may change too (the organism's: lr 0.2, 80 steps; README, features).
/// </summary>
public static class CleaningRecipes
{
    public static readonly CleaningOptions Authors = new();

    /// <summary>Task detectors are cleaned with a far smaller penalty (METHOD.md §7).</summary>
    public static readonly CleaningOptions Detectors = new(L1: 5e-4f, Lr: 0.01f);

    /// <summary>The model's recipe: its manifest's values over the authors'.</summary>
    public static CleaningOptions Of(ModelManifest m) => Over(Authors, m.Cleaning);

    /// <summary>The model's detector recipe: its manifest's values over METHOD.md §7's.</summary>
    public static CleaningOptions DetectorsOf(ModelManifest m) => Over(Detectors, m.DetectorCleaning);

    private static CleaningOptions Over(CleaningOptions r, CleaningDefaults? c) => c is null ? r : r with
    {
        L1 = c.L1 ?? r.L1, Lr = c.Lr ?? r.Lr, Steps = c.Steps ?? r.Steps, Patience = c.Patience ?? r.Patience,
    };
}
