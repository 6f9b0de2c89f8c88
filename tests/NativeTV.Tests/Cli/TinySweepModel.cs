using NativeTV.Sae;
using NativeTV.Sae.Formats;
using NativeTV.Transformer.Model;
using NativeTV.Organism;
using NativeTV.Tests.Ops;

namespace NativeTV.Tests.Cli;

/// <summary>A small random model over the organism's vocabulary with a random SAE at layer 1 (made once), and a quick sweep on it.</summary>
public static class TinySweepModel
{
    private static readonly Lazy<string> Made = new(Make);

    public static string Dir => Made.Value;

    private static string Make()
    {
        var dir = Fixtures.TempDir();
        var c = OrganismModel.Config with { Layers = 2, HiddenSize = 32, IntermediateSize = 64, Heads = 2, KvHeads = 2, HeadDim = 16 };
        OrganismFolder.Write(dir, RandomModel.Weights(c, 4, 0.1f).ToList(), seed: 0, corpusSequences: 10, config: c);
        var rng = new Random(6);
        float[] R(int n, double std, double mean = 0) => TestData.Normal(rng, n, std).Select(x => (float)(x + mean)).ToArray();
        SaeLensWriter.Save(new NativeTV.Sae.Sae
        {
            Arch = SaeArchitecture.Standard, DIn = 32, DSae = 64, WEnc = R(32 * 64, 0.3), WDec = R(64 * 32, 0.3), BDec = R(32, 0.1),
            BEnc = R(64, 0.2, 0.2), ApplyBDecToInput = true,
        }, Path.Combine(dir, "sae-l1"));
        return dir;
    }

    /// <summary>`nativetv sweep` into <paramref name="run"/> with few prompts (4 per set); <paramref name="extra"/> adds or overrides options.</summary>
    public static (int Exit, string Out, string Err) Sweep(string run, params string[] extra) =>
        NativetvProcess.Run(["sweep", "--model", Dir, "--out", run, "--device", "cpu", "--prompts", "4", "--clean-prompts", "4", "--eval-prompts", "4", .. extra]);
}
