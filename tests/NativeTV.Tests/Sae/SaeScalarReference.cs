using NativeTV.Sae;
using SaeModel = NativeTV.Sae.Sae;

namespace NativeTV.Tests.Sae;

/// <summary>
/// A plain double-precision encode / decode of the canonical Sae, written from METHOD.md §4 and
/// independent of any backend: checks that the loaders put each format into the canonical form.
/// </summary>
public static class SaeScalarReference
{
    public static double[] Encode(SaeModel s, ReadOnlySpan<float> x)
    {
        int dIn = s.DIn, dSae = s.DSae;
        var xt = new double[dIn];
        for (int i = 0; i < dIn; i++) xt[i] = x[i] - (s.ApplyBDecToInput ? s.BDec[i] : 0.0);
        var pre = new double[dSae]; // x~ W_enc
        for (int i = 0; i < dIn; i++)
            for (int j = 0; j < dSae; j++) pre[j] += xt[i] * s.WEnc[i * dSae + j];
        var f = new double[dSae];
        switch (s.Arch)
        {
            case SaeArchitecture.Standard:
                for (int j = 0; j < dSae; j++) f[j] = Math.Max(0, pre[j] + s.BEnc![j]);
                break;
            case SaeArchitecture.JumpRelu:
                for (int j = 0; j < dSae; j++) { double p = pre[j] + s.BEnc![j]; f[j] = p > s.Threshold![j] ? Math.Max(0, p) : 0; }
                break;
            case SaeArchitecture.Gated:
                for (int j = 0; j < dSae; j++)
                {
                    double gate = pre[j] + s.BGate![j], mag = Math.Exp(s.RMag![j]) * pre[j] + s.BMag![j];
                    f[j] = gate > 0 ? Math.Max(0, mag) : 0;
                }
                break;
            case SaeArchitecture.TopK:
                var p2 = Enumerable.Range(0, dSae).Select(j => pre[j] + s.BEnc![j]).ToArray();
                foreach (int j in Enumerable.Range(0, dSae).OrderByDescending(j => p2[j]).ThenBy(j => j).Take(s.K)) f[j] = Math.Max(0, p2[j]);
                break;
        }
        return f;
    }

    public static double[] Decode(SaeModel s, ReadOnlySpan<double> f)
    {
        var x = new double[s.DIn];
        for (int i = 0; i < s.DIn; i++) x[i] = s.BDec[i];
        for (int j = 0; j < s.DSae; j++)
        {
            if (f[j] == 0) continue;
            for (int i = 0; i < s.DIn; i++) x[i] += f[j] * s.WDec[j * s.DIn + i];
        }
        return x;
    }
}
