using System.Globalization;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Sae.Formats;

/// <summary>
/// Layer numbers in hook names and paths, and the check that an SAE is used at the layer it was trained on.
/// Layers are compared as resid_pre indices: blocks.L.hook_resid_post holds the same values as resid_pre[L + 1].
/// </summary>
public static class HookLayers
{
    /// <summary>The digits of a layer number; one too large for an int is an error, not an overflow.</summary>
    public static int Parse(string digits, string where) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n
            : throw new ArgumentException($"layer number {digits} in '{where}' is out of range");

    /// <summary>The resid_pre index the SAE reads, or null when its format records no layer.</summary>
    public static int? ResidPreIndex(Sae sae) => sae.HookLayer < 0 ? null
        : sae.HookName.EndsWith(".hook_resid_post", StringComparison.Ordinal) ? sae.HookLayer + 1 : sae.HookLayer;

    /// <summary>
    /// An SAE recording another layer than <paramref name="layer"/> (a resid_pre index) is an error; one
    /// recording none is used as told, with a warning on stderr since nothing can be checked.
    /// </summary>
    public static void Check(Sae sae, int layer)
    {
        if (ResidPreIndex(sae) is not int at)
            Console.Error.WriteLine($"warning: {sae.Source}: the SAE records no hook layer; using it at layer {layer} unchecked");
        else if (at != layer)
            throw new CheckpointException(sae.Source, $"the SAE was trained at {(sae.HookName != "" ? sae.HookName : $"layer {sae.HookLayer}")} (resid_pre[{at}]) but is used at layer {layer}");
    }
}
