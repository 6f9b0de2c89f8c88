using NativeTV.Sae;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;
using NativeTV.Organism;
using NativeTV.TaskVectors;

namespace NativeTV.Organism;

/// <summary>
/// ORGANISM.md's checks of the layer-2 SAE: variance explained and L0 on residuals of the training mixture,
/// and the zero-shot nll with the SAE-reconstructed task vector against the raw task vector.
/// </summary>
public static class OrganismSaeChecks
{
    public static List<OrganismCheck> Run(TransformerModel m, DeviceSae sae, int layer, int seed = 0)
    {
        var be = m.Backend;
        // Residuals of fresh training-mixture sequences, BOS positions left out.
        var seqs = new OrganismSampler(seed + 2).Batch(0, 64);
        var tok = TokenBatch.FromSequences(seqs.Select(s => (IReadOnlyList<int>)s.Ids).ToList(), OrganismWorld.Pad, leftPad: false);
        var rows = Enumerable.Range(0, tok.Batch).SelectMany(b => Enumerable.Range(1, tok.SeqLen - 1).Select(t => tok.Row(b, t))).ToArray();
        var key = new HookKey(HookPoint.ResidPre, layer);
        var x = m.Forward(new ForwardRequest { Tokens = tok, Reads = [new HookRead(key, rows)] }).Reads[key];
        int d = sae.Sae.DIn, n = rows.Length;
        var xm = be.UploadMat(x, n, d);
        var f = be.AllocMat(n, sae.Sae.DSae);
        var xh = be.AllocMat(n, d);
        float[] recon, codes;
        using (xm.Buf) using (f.Buf) using (xh.Buf)
        {
            sae.Encode(xm, f, f);
            sae.Decode(f, xh);
            recon = be.Download(xh);
            codes = be.Download(f);
        }
        var mean = Enumerable.Range(0, d).Select(j => Enumerable.Range(0, n).Average(i => (double)x[i * d + j])).ToArray();
        double total = 0, resid = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
            {
                double v = x[i * d + j];
                total += (v - mean[j]) * (v - mean[j]);
                resid += (v - recon[i * d + j]) * (v - recon[i * d + j]);
            }
        double l0 = codes.Count(c => c != 0f) / (double)n;

        double gap = OrganismChecks.Averaged.Average(t =>
        {
            var tv = TaskVectorExtractor.Mean(m, OrganismPrompts.Sample(t, OrganismChecks.TvShots, OrganismChecks.TvPrompts, WordSplit.Train, seed + 1), [layer], lastOnly: true)[0];
            var zs = OrganismPrompts.ZeroShot(t, WordSplit.Train);
            double Nll(float[] v) => ScoreSummary.Of(PromptScorer.Score(m, zs, new Steer(layer, v), nFirst: 1)).Nll;
            return Nll(sae.Reconstruct(tv).Recon) - Nll(tv);
        });
        return
        [
            new($"SAE at layer {layer}: variance explained", 1 - resid / total, 0.95, null, ">= 0.95"),
            new($"SAE at layer {layer}: L0", l0, 10, 20, "10-20"),
            new($"SAE at layer {layer}: reconstructed TV nll minus TV nll", gap, null, 0.05, "<= +0.05"),
        ];
    }
}
