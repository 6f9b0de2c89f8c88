using System.Text;

namespace NativeTV.Tests.Checkpoints;

/// <summary>Writes a safetensors file byte by byte from a given header, for headers no writer would produce.</summary>
internal static class RawSafetensors
{
    public static void Write(string path, string headerJson, int dataBytes) => Write(path, Encoding.UTF8.GetBytes(headerJson), dataBytes);

    public static void Write(string path, byte[] header, int dataBytes)
    {
        using var fs = File.Create(path);
        fs.Write(BitConverter.GetBytes((ulong)header.Length));
        fs.Write(header);
        fs.Write(new byte[dataBytes]);
    }
}
