namespace NativeTV.Transformer;

/// <summary>Text files written to PATH.tmp and renamed over PATH, so an interrupted run never leaves a half-written result.</summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text) => Write(path, tmp => File.WriteAllText(tmp, text));

    public static void WriteAllLines(string path, IEnumerable<string> lines) => Write(path, tmp => File.WriteAllLines(tmp, lines));

    /// <summary><paramref name="write"/> fills the temporary path given to it; then it replaces <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> write)
    {
        string tmp = path + ".tmp";
        write(tmp);
        File.Move(tmp, path, overwrite: true);
    }
}
