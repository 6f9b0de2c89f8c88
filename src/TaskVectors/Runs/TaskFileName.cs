using System.Text;

namespace NativeTV.TaskVectors.Runs;

/// <summary>
/// A task's name as a file-name stem: letters, digits, '-' and '_' kept, every other character (the '/' of
/// nested task folders, '.', '%', spaces) percent-encoded as its UTF-8 bytes. The mapping is one-to-one, so
/// `sub/x` and `sub_x` never share files, and the stem holds no '.' that could be read as a `.L{layer}` part.
/// </summary>
public static class TaskFileName
{
    public static string Of(string task)
    {
        var b = new StringBuilder(task.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in task.EnumerateRunes())
        {
            if (Rune.IsLetterOrDigit(rune) || rune.Value is '-' or '_') { b.Append(rune.ToString()); continue; }
            foreach (var x in utf8[..rune.EncodeToUtf8(utf8)]) b.Append('%').Append(x.ToString("X2"));
        }
        return b.ToString();
    }
}
