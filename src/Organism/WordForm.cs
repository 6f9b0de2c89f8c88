namespace NativeTV.Organism;

/// <summary>The three one-token surface forms of an organism item: language A, its plural, language B.</summary>
public enum WordForm { A, P, B }
