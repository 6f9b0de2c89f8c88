using System.Runtime.InteropServices;

namespace NativeTV.Transformer.Files;

/// <summary>
/// Where an output lands, checked before the work starts: a symlink is followed to its target (the link stays a
/// link), a device, FIFO or socket is written through (never replaced by a regular file), and a folder that
/// cannot be written to is an error naming the option, not a failure after hours of computation.
/// </summary>
public static class OutputPath
{
    /// <summary>The path a write to <paramref name="path"/> lands at: symlinks followed to their final target.</summary>
    public static string Target(string path)
    {
        var full = Path.GetFullPath(path);
        if (new FileInfo(full).LinkTarget is null) return full;   // not a link (or absent): resolving would throw for absent paths
        return File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
    }

    /// <summary>True for an existing path that is neither a regular file nor a folder: a device, FIFO or socket.</summary>
    public static bool IsSpecial(string path) => FileType(path) is { } t && t != RegularFile && t != Folder;

    /// <summary>Checks that a file can be written at <paramref name="path"/>: not a folder, its folder exists (it is made) and takes new files.</summary>
    public static void CheckFile(string path, string option)
    {
        string target = Target(path);
        if (Directory.Exists(target)) throw new ArgumentException($"{option} {path}: is a folder, not a file");
        if (IsSpecial(target)) return;
        ProbeFolder(Path.GetDirectoryName(target)!, option, path);
    }

    /// <summary>Checks that <paramref name="path"/> is a folder that takes new files, making it if absent.</summary>
    public static void CheckFolder(string path, string option)
    {
        string target = Target(path);
        if (File.Exists(target)) throw new ArgumentException($"{option} {path}: is a file, not a folder");
        ProbeFolder(target, option, path);
    }

    private static void ProbeFolder(string dir, string option, string given)
    {
        try
        {
            Directory.CreateDirectory(dir);
            string probe = Path.Combine(dir, $".nativetv-probe-{Guid.NewGuid():N}");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write)) { }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{option} {given}: cannot write there ({e.Message})");
        }
    }

    private const uint TypeMask = 0xF000, RegularFile = 0x8000, Folder = 0x4000;

    /// <summary>The S_IFMT bits of stat(2), or null where the path does not exist or the platform is not Linux (.NET does not expose file types).</summary>
    private static uint? FileType(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        int modeOffset = RuntimeInformation.ProcessArchitecture switch { Architecture.X64 => 24, Architecture.Arm64 => 16, _ => -1 };
        if (modeOffset < 0) return null;
        var st = new byte[256];   // larger than struct stat on every Linux ABI
        if (Stat(path, st) != 0) return null;
        return BitConverter.ToUInt32(st, modeOffset) & TypeMask;
    }

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int Stat(string path, [Out] byte[] buf);
}
