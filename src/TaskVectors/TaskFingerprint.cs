using System.Security.Cryptography;
using System.Text;

namespace NativeTV.TaskVectors;

/// <summary>
/// A hash of tasks' names, pairs and splits: a run records it so a resume notices task files edited
/// in place, which the tasks' path alone would not show.
/// </summary>
public static class TaskFingerprint
{
    public static string Of(IEnumerable<IclTask> tasks)
    {
        var b = new StringBuilder();
        foreach (var t in tasks)
        {
            b.Append(t.Name).Append('\0');
            for (int i = 0; i < t.Pairs.Count; i++)
                b.Append(t.Pairs[i].Input).Append('\u001f').Append(t.Pairs[i].Output).Append('\u001f').Append(t.Splits?[i]).Append('\u001e');
            b.Append('\u001d');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(b.ToString())));
    }
}
