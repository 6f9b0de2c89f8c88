namespace NativeTV.Transformer.Checkpoints;

/// <summary>The two transformer families NativeTV runs, with the choices that differ between them.</summary>
public enum Architecture { Gemma, Phi3 }
