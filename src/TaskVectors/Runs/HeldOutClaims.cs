namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// The held-out claims of a sweep: a vector lowers the zero-shot loss on words held out of the task vector's prompts and,
/// for the organism's "text-only" and "unseen" splits, out of ICL training. Decided per split as <see cref="Claims"/>
/// decides "lowers": paired by prompt, averaged over the tasks that have the split, the interval from resampling prompts.
/// </summary>
public static class HeldOutClaims
{
    /// <summary>One claim per split that every given cell's task with held-out scores has <paramref name="method"/> for; none without splits.</summary>
    public static IEnumerable<Claim> Measure(IReadOnlyList<SweepCell> cells, string method, string name)
    {
        var with = cells.Where(c => c.HeldOut != null).ToList();
        foreach (var split in with.SelectMany(c => c.HeldOut!.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            // The split's scores as cells of their own, so the sweep's rule applies to them unchanged.
            var at = with.Where(c => c.HeldOut!.ContainsKey(split)).Select(c => new SweepCell(c.Task, c.Layer, c.HeldOut![split])).ToList();
            if (at.All(c => Claims.Has(c, method) && Claims.Has(c, Methods.ZeroShot)))
                yield return Claims.Lower($"{name} on held-out {split} words", at, method, Methods.ZeroShot);
        }
    }
}
