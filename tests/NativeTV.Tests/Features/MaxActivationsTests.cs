using NativeTV.Transformer.Tokenization;
using System.Text.Json;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;
using NativeTV.Kernels;
using NativeTV.Sae;
using NativeTV.Tests.Ops;
using NativeTV.Tests.Sae;
using NativeTV.Transformer.Model;
using NativeTV.Organism;
using SaeModel = NativeTV.Sae.Sae;

namespace NativeTV.Tests.Features;

/// <summary>
/// Max-activating examples on every backend against a plain reference: a small random model over the
/// organism's vocabulary, a random SAE (standard takes the cut-down-SAE path, TopK the full encode; the other
/// architectures' subsets are checked in SaeSubsetTests), its corpus split into contexts by hand, each context
/// run alone through a cpu forward and encoded in double on the host; the top lists must agree (order,
/// contexts, windows, activations), one per context.
/// </summary>
[TestFixtureSource(typeof(TestBackends), nameof(TestBackends.Names))]
public class MaxActivationsTests(string device) : BackendFixture(device)
{
    private const int D = 32, DSae = 64;
    private static readonly int[] Features = [3, 0, 41, 17, 63, 8];
    private static readonly MaxActOptions Options = new(Top: 5, Window: 3, After: 2, Context: 12, MaxContexts: 10, Batch: 6);
    private string _model = null!;

    [OneTimeSetUp]
    public void MakeModel()
    {
        _model = Fixtures.TempDir();
        var c = OrganismModel.Config with { Layers = 2, HiddenSize = D, IntermediateSize = 64, Heads = 2, KvHeads = 2, HeadDim = 16 };
        OrganismFolder.Write(_model, RandomModel.Weights(c, 5, 0.1f).ToList(), seed: 0, corpusSequences: 40, config: c);
    }

    [TestCase(SaeArchitecture.Standard)]
    [TestCase(SaeArchitecture.TopK)]
    public void TopListsMatchAScalarReference(SaeArchitecture arch)
    {
        var sae = SaeSubsetTests.RandomSae(arch, D, DSae);
        var tok = OrganismWorld.Tokenizer();
        string corpus = Path.Combine(_model, OrganismFolder.Corpus);
        using var m = TransformerModel.Load(_model, be);
        using var ds = new DeviceSae(sae, be);
        int reported = 0;
        var r = MaxActivations.Collect(m, ds, tok, corpus, 1, Features, Options, n => reported = n);

        var contexts = ReferenceContexts(tok, corpus, Options.Context).Take(Options.MaxContexts).ToList();
        var acts = ReferenceActivations(contexts, sae);
        Assert.That((r.Contexts, r.Tokens, reported), Is.EqualTo((contexts.Count, (long)contexts.Sum(c => c.Length - 1), contexts.Count)));
        Assert.That(r.Features.Select(f => f.Id), Is.EqualTo(Features));
        foreach (var (f, j) in r.Features.Select((f, j) => (f, j)))
        {
            var fired = acts.SelectMany(c => c.Select(p => p[j])).Where(a => a > 0).ToList();
            Assert.That(f.Count, Is.EqualTo(fired.Count), $"f{f.Id} count");
            Assert.That(f.Max, Is.EqualTo(fired.DefaultIfEmpty(0).Max()).Within(1e-4), $"f{f.Id} max");
            // One example per context: its best token (the first on a tie), then the top by activation, earlier contexts first on a tie.
            var expected = acts.Select((c, ci) => (Context: ci, Best: Enumerable.Range(0, c.Length).MaxBy(p => (c[p][j], -p))))
                .Select(e => (e.Context, e.Best, Act: acts[e.Context][e.Best][j])).Where(e => e.Act > 0)
                .OrderByDescending(e => e.Act).ThenBy(e => e.Context).Take(Options.Top).ToList();
            Assert.That(f.Examples.Select(e => e.Context), Is.EqualTo(expected.Select(e => e.Context)), $"f{f.Id} contexts");
            foreach (var (ex, e) in f.Examples.Zip(expected))
            {
                int lo = Math.Max(0, e.Best - Options.Window), hi = Math.Min(Options.Context - 1, e.Best + Options.After);
                var ids = contexts[e.Context][lo..(hi + 1)];
                Assert.That(ex.Tokens, Is.EqualTo(ids.Select(id => tok.Decode([id]))), $"f{f.Id} context {e.Context}");
                Assert.That(ex.Target, Is.EqualTo(e.Best - lo));
                Assert.That(ex.Activation, Is.EqualTo(e.Act).Within(1e-4));
                Assert.That(ex.Activations, Is.EqualTo(Enumerable.Range(lo, hi - lo + 1).Select(p => acts[e.Context][p][j])).Within(1e-4));
            }
        }
        Assert.That(r.Features.Sum(f => f.Examples.Length), Is.GreaterThan(Features.Length * 2), "the random SAE should fire");
    }

    /// <summary>The corpus cut as the SAE harvest cuts it, written out again: documents + "\n" concatenated, BOS + 11 tokens per context.</summary>
    private static IEnumerable<int[]> ReferenceContexts(WordLevelTokenizer tok, string corpus, int len)
    {
        var stream = File.ReadLines(corpus).SelectMany(l => tok.Encode(JsonDocument.Parse(l).RootElement.GetProperty("text").GetString() + "\n", addBos: false)).ToList();
        for (int i = 0; i + len - 1 <= stream.Count; i += len - 1) yield return [tok.BosId, .. stream.GetRange(i, len - 1)];
    }

    /// <summary>Each context alone through a cpu forward, every token but BOS encoded in double: [context][position][feature].</summary>
    private double[][][] ReferenceActivations(IReadOnlyList<int[]> contexts, SaeModel sae)
    {
        using var cpu = BackendFactory.Create("cpu");
        using var m = TransformerModel.Load(_model, cpu);
        var key = new HookKey(HookPoint.ResidPre, 1);
        return contexts.Select(c =>
        {
            var x = m.Forward(new ForwardRequest { Tokens = TokenBatch.Single(c), Reads = [new HookRead(key, Enumerable.Range(1, c.Length - 1).ToArray())] }).Reads[key];
            var f = Enumerable.Range(0, c.Length - 1).Select(t => SaeScalarReference.Encode(sae, x.AsSpan(t * D, D))).ToList();
            return Enumerable.Range(0, c.Length).Select(p => Features.Select(id => p == 0 ? 0.0 : f[p - 1][id]).ToArray()).ToArray();
        }).ToArray();
    }
}
