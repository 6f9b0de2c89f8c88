using System.Globalization;

namespace NativeTV.Transformer.Tokenization;

/// <summary>Byte-fallback tokens, "&lt;0x41&gt;" for byte 0x41, as SentencePiece and Hugging Face tokenizers both name them.</summary>
internal static class ByteToken
{
    public static string Name(byte b) => $"<0x{b:X2}>";

    /// <summary>An ASCII byte's token as its character (a newline reads as one); others as named, a lone byte of a longer character being no text.</summary>
    public static string Readable(string token) => TryParse(token, out byte b) && b < 0x80 ? ((char)b).ToString() : token;

    public static bool TryParse(string token, out byte b)
    {
        b = 0;
        return token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out b);
    }
}
