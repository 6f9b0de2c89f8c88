using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Transformer.Tokenization;

/// <summary>SentencePiece's piece types (sentencepiece_model.proto).</summary>
public enum PieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 }

/// <summary>
/// What encoding needs from a SentencePiece tokenizer.model (a ModelProto): the pieces with their scores
/// and types, the trainer's model type, unknown and BOS ids, and the normalizer's whitespace rules.
/// </summary>
public sealed record SentencePieceModel(
    string[] Pieces, float[] Scores, PieceType[] Types, bool ByteFallback,
    int UnkId, int BosId, bool AddDummyPrefix, bool RemoveExtraWhitespaces, bool EscapeWhitespaces)
{
    /// <summary>Reads <paramref name="path"/>; an unreadable file or a model this project cannot encode exactly is a <see cref="CheckpointException"/> naming it.</summary>
    public static SentencePieceModel Read(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, "file not found");
        try { return Parse(File.ReadAllBytes(path), path); }
        catch (FormatException e) { throw new CheckpointException(path, $"not a SentencePiece model file ({e.Message})"); }
    }

    private static SentencePieceModel Parse(byte[] bytes, string path)
    {
        var pieces = new List<string>();
        var scores = new List<float>();
        var types = new List<PieceType>();
        int modelType = 1, unk = 0, bos = 1;
        bool byteFallback = false, dummyPrefix = true, removeExtra = true, escape = true, suffix = false;
        string normalizer = "", charsmap = "";
        var r = new ProtoReader(bytes);
        while (!r.AtEnd)
        {
            var (field, wire) = r.ReadTag();
            if (field == 1 && wire == 2)
            {
                var p = new ProtoReader(r.ReadBytes());
                string piece = ""; float score = 0; var type = PieceType.Normal;
                while (!p.AtEnd)
                {
                    var (f, w) = p.ReadTag();
                    if (f == 1 && w == 2) piece = p.ReadString();
                    else if (f == 2 && w == 5) score = p.ReadFloat();
                    else if (f == 3 && w == 0) type = (PieceType)(int)p.ReadVarint();
                    else p.Skip(w);
                }
                pieces.Add(piece); scores.Add(score); types.Add(type);
            }
            else if (field == 2 && wire == 2)
            {
                var t = new ProtoReader(r.ReadBytes());
                while (!t.AtEnd)
                {
                    var (f, w) = t.ReadTag();
                    if (w != 0) { t.Skip(w); continue; }
                    long v = (long)t.ReadVarint();
                    switch (f)
                    {
                        case 3: modelType = (int)v; break;
                        case 24: suffix = v != 0; break;
                        case 35: byteFallback = v != 0; break;
                        case 40: unk = (int)v; break;
                        case 41: bos = (int)v; break;
                    }
                }
            }
            else if (field == 3 && wire == 2)
            {
                var n = new ProtoReader(r.ReadBytes());
                while (!n.AtEnd)
                {
                    var (f, w) = n.ReadTag();
                    if (f == 1 && w == 2) normalizer = n.ReadString();
                    else if (f == 2 && w == 2) charsmap = n.ReadBytes().Length == 0 ? "" : "present";
                    else if (f is 3 or 4 or 5 && w == 0)
                    {
                        bool v = n.ReadVarint() != 0;
                        if (f == 3) dummyPrefix = v; else if (f == 4) removeExtra = v; else escape = v;
                    }
                    else n.Skip(w);
                }
            }
            else r.Skip(wire);
        }
        if (pieces.Count == 0) throw new FormatException("it holds no pieces");
        // Exactness is only claimed for what is implemented: BPE over the identity normalisation Gemma and Phi-3 use.
        if (modelType != 2) throw new CheckpointException(path, $"SentencePiece model type {modelType} is not BPE (2); only BPE models are supported");
        if (charsmap != "") throw new CheckpointException(path, $"normalizer '{normalizer}' rewrites characters (a precompiled charsmap); only the identity normalizer is supported");
        if (suffix) throw new CheckpointException(path, "treat_whitespace_as_suffix is set; only prefix word markers are supported");
        if ((uint)unk >= pieces.Count) throw new CheckpointException(path, $"unk_id {unk} is outside the {pieces.Count} pieces");
        return new SentencePieceModel([.. pieces], [.. scores], [.. types], byteFallback, unk, bos, dummyPrefix, removeExtra, escape);
    }
}
