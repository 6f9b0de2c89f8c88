namespace NativeTV.Sae;

/// <summary>
/// Folding an input scale into an SAE (SAELens >= 6 fold_activation_norm_scaling_factor):
/// encode((x s) ...) and decode(...) / s equal the same SAE with W_enc * s, W_dec / s, b_dec / s on
/// raw x (b_dec too: it is subtracted from x s and added to the output before / s). Thresholds,
/// b_enc, b_gate, r_mag and b_mag are unchanged.
/// </summary>
public static class SaeScaling
{
    public static void FoldInPlace(double s, float[] wEnc, float[] wDec, float[] bDec)
    {
        for (int i = 0; i < wEnc.Length; i++) wEnc[i] = (float)(wEnc[i] * s);
        for (int i = 0; i < wDec.Length; i++) wDec[i] = (float)(wDec[i] / s);
        for (int i = 0; i < bDec.Length; i++) bDec[i] = (float)(bDec[i] / s);
    }

    /// <summary>A copy of an SAE trained on inputs x * s that runs on raw x; the scale is recorded.</summary>
    public static Sae Fold(Sae sae, float s)
    {
        float[] wEnc = (float[])sae.WEnc.Clone(), wDec = (float[])sae.WDec.Clone(), bDec = (float[])sae.BDec.Clone();
        FoldInPlace(s, wEnc, wDec, bDec);
        return new Sae
        {
            Arch = sae.Arch, DIn = sae.DIn, DSae = sae.DSae, K = sae.K, WEnc = wEnc, WDec = wDec, BDec = bDec,
            BEnc = sae.BEnc, BGate = sae.BGate, RMag = sae.RMag, BMag = sae.BMag, Threshold = sae.Threshold,
            ApplyBDecToInput = sae.ApplyBDecToInput, HookName = sae.HookName, HookLayer = sae.HookLayer,
            ModelName = sae.ModelName, FoldedNormScale = s, Source = sae.Source,
        };
    }
}
