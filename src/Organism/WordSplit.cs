namespace NativeTV.Organism;

/// <summary>
/// Where an item may be an input: Train everywhere, TextOnly only in text sequences, Unseen never,
/// so that generalisation to words never shown in context (or never shown at all) can be measured.
/// </summary>
public enum WordSplit { Train, TextOnly, Unseen }
