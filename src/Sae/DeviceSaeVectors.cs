using NativeTV.Kernels;

namespace NativeTV.Sae;

/// <summary>One vector through an SAE (task vectors are single vectors): its reconstruction by the encoder, or by gradient pursuit.</summary>
public static class DeviceSaeVectors
{
    /// <summary>decode(encode(v)) and the number of active features.</summary>
    public static (float[] Recon, float[] Features) Reconstruct(this DeviceSae sae, float[] v)
    {
        var be = sae.Backend;
        var x = be.UploadMat(v, 1, v.Length);
        var z = be.AllocMat(1, sae.Sae.DSae);
        var xh = be.AllocMat(1, sae.Sae.DIn);
        using (x.Buf) using (z.Buf) using (xh.Buf)
        {
            sae.Encode(x, z, z);
            sae.Decode(z, xh);
            return (be.Download(xh), be.Download(z));
        }
    }

    /// <summary>decode(f) for one vector of feature activations.</summary>
    public static float[] Decode(this DeviceSae sae, float[] f)
    {
        var be = sae.Backend;
        var fm = be.UploadMat(f, 1, f.Length);
        var xh = be.AllocMat(1, sae.Sae.DIn);
        using (fm.Buf) using (xh.Buf)
        {
            sae.Decode(fm, xh);
            return be.Download(xh);
        }
    }

    /// <summary>Gradient pursuit of v with k iterations (METHOD.md §5): the reconstruction and the coefficients.</summary>
    public static (float[] Recon, float[] Coeffs) Pursue(this DeviceSae sae, float[] v, PursuitOptions o)
    {
        var be = sae.Backend;
        var y = be.UploadMat(v, 1, v.Length);
        var c = be.AllocMat(1, sae.Sae.DSae);
        var r = be.AllocMat(1, sae.Sae.DIn);
        using (y.Buf) using (c.Buf) using (r.Buf)
        {
            sae.Pursuit(y, o, c, r);
            return (be.Download(r), be.Download(c));
        }
    }
}
