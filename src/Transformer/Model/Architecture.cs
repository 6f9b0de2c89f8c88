namespace NativeTV.Transformer.Model;

/// <summary>The two transformer families NativeTV runs, with the choices that differ between them.</summary>
public enum Architecture { Gemma, Phi3 }
