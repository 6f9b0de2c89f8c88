namespace NativeTV.Organism;

/// <summary>One training sequence of 40 token ids; the loss counts only the 10 answer tokens at <paramref name="AnswerPositions"/>.</summary>
public sealed record OrganismSequence(int[] Ids, int[] AnswerPositions);
