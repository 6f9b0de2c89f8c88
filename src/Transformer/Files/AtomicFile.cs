namespace NativeTV.Transformer.Files;

/// <summary>
/// Files written to TARGET.PID.tmp and renamed over TARGET, so an interrupted run never leaves a half-written result.
/// TARGET is where <see cref="OutputPath.Target"/> says the path lands; a device or FIFO there is written
/// through instead (a rename would replace it with a regular file).
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text) => Write(path, tmp => File.WriteAllText(tmp, text));

    public static void WriteAllLines(string path, IEnumerable<string> lines) => Write(path, tmp => File.WriteAllLines(tmp, lines));

    /// <summary><paramref name="write"/> fills the path given to it; then that replaces <paramref name="path"/>'s target.</summary>
    public static void Write(string path, Action<string> write)
    {
        string target = OutputPath.Target(path);
        if (OutputPath.IsSpecial(target)) { write(target); return; }
        if (Directory.Exists(target)) throw new IOException($"{path}: is a folder, not a file");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // A temporary name of this process's own: several processes (a sweep's shards) may write one file at once.
        string tmp = $"{target}.{Environment.ProcessId}.tmp";
        try
        {
            write(tmp);
            File.Move(tmp, target, overwrite: true);
        }
        finally { File.Delete(tmp); }
    }
}
