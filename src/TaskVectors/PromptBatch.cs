using NativeTV.Transformer.Model;
using NativeTV.TaskVectors.Steering;

namespace NativeTV.TaskVectors;

/// <summary>
/// Prompts as one right-padded batch with their first answer tokens appended (teacher forcing): the rows
/// of each prompt's steering position and the METHOD.md §3 loss targets (the answer tokens,
/// predicted from the last separator onwards, summed per prompt, averaged over prompts).
/// </summary>
public sealed record PromptBatch(TokenBatch Tokens, int[] SteerRows, int[][] Answers, LossTarget[] Targets)
{
    public static PromptBatch Of(IReadOnlyList<Prompt> prompts, int nFirst, int padId)
    {
        var answers = prompts.Select(p => p.Answer.Take(nFirst).ToArray()).ToArray();
        if (answers.Any(a => a.Length == 0)) throw new ArgumentException("a prompt has an empty answer");
        // The last answer token is only predicted, never an input.
        var seqs = prompts.Select((p, i) => (IReadOnlyList<int>)p.Ids.Concat(answers[i][..^1]).ToArray()).ToList();
        var tok = TokenBatch.FromSequences(seqs, padId, leftPad: false);
        var targets = prompts.SelectMany((p, b) => answers[b].Select((a, i) => new LossTarget(tok.Row(b, p.LastSeparator + i), a, 1f / prompts.Count))).ToArray();
        return new PromptBatch(tok, prompts.Select((p, b) => tok.Row(b, p.SteerPosition)).ToArray(), answers, targets);
    }

    /// <summary>The steering problem of cleaning: the vector added at every steering position, this batch's loss.</summary>
    public SteeringProblem Problem(int layer, float scale = 1f) => new(Tokens, layer, SteerRows, Targets, scale);
}
