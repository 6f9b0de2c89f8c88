using NativeTV.Transformer.Checkpoints;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;

namespace NativeTV.Organism;

/// <summary>The organism's architecture (ORGANISM.md): a 6-layer, d_model 128 Phi-3 with tied embeddings, and its training batches.</summary>
public static class OrganismModel
{
    public static ModelConfig Config => new()
    {
        Arch = Architecture.Phi3, HiddenSize = 128, IntermediateSize = 384, Layers = 6, Heads = 4, KvHeads = 4, HeadDim = 32,
        VocabSize = OrganismWorld.VocabSize, RmsNormEps = 1e-5, RopeTheta = 10000, PartialRotaryFactor = 1.0, MaxPositions = 64,
        TieWordEmbeddings = true, DType = DType.F32, BosTokenId = OrganismWorld.Bos, PadTokenId = OrganismWorld.Pad, EosTokenIds = [OrganismWorld.Newline],
    };

    /// <summary>Sequences as one batch, with the loss on answer tokens only: each answer predicted from the token before it, terms weighted to a mean.</summary>
    public static (TokenBatch Tokens, LossTarget[] Targets) TrainingBatch(IReadOnlyList<OrganismSequence> seqs)
    {
        var tok = TokenBatch.FromSequences(seqs.Select(s => (IReadOnlyList<int>)s.Ids).ToList(), OrganismWorld.Pad, leftPad: false);
        int count = seqs.Sum(s => s.AnswerPositions.Length);
        var targets = seqs.SelectMany((s, b) => s.AnswerPositions.Select(p => new LossTarget(tok.Row(b, p - 1), s.Ids[p], 1f / count))).ToArray();
        return (tok, targets);
    }
}
