using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Native;

/// <summary>
/// Finds a CUDA library where a CUDA install or NVIDIA's pip wheels put it. .NET's own search only knows
/// the loader's paths; the wheels (nvidia-cublas, nvidia-nvtx) live in site-packages, which a Python
/// program adds itself, so NativeTV looks there too, as PyTorch does.
/// </summary>
public static class CudaLibraries
{
    /// <summary>
    /// Loads the first of <paramref name="files"/> (newest soname first) found in the folders of
    /// <see cref="Folders"/>, then in the loader's own search; throws one line naming what was looked for.
    /// </summary>
    public static IntPtr Load(string what, string[] files, string wheelPackage)
    {
        foreach (var dir in Folders(wheelPackage))
            foreach (var f in files)
                if (File.Exists(Path.Combine(dir, f)) && NativeLibrary.TryLoad(Path.Combine(dir, f), out var h)) return h;
        foreach (var f in files)
            if (NativeLibrary.TryLoad(f, out var h)) return h;
        throw new InvalidOperationException($"{what} not found: none of {string.Join(", ", files)} in LD_LIBRARY_PATH, CUDA_HOME, /usr/local/cuda*/lib64 or site-packages/nvidia/*/lib (install the CUDA toolkit or `pip install nvidia-{wheelPackage}`)");
    }

    /// <summary>
    /// The folders searched, in order: LD_LIBRARY_PATH, $CUDA_HOME/lib64, /usr/local/cuda*/lib64 (newest
    /// version first), and the lib folders of the wheel in every site-packages found (CUDA 12 wheels
    /// use nvidia/PACKAGE/lib, CUDA 13 wheels nvidia/cu13/lib).
    /// </summary>
    public static IEnumerable<string> Folders(string wheelPackage)
    {
        foreach (var d in (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)) yield return d;
        foreach (var v in new[] { "CUDA_HOME", "CUDA_PATH" })
            if (Environment.GetEnvironmentVariable(v) is { Length: > 0 } home) yield return Path.Combine(home, "lib64");
        foreach (var d in Subfolders("/usr/local", "cuda*").OrderDescending(StringComparer.Ordinal)) yield return Path.Combine(d, "lib64");
        foreach (var site in SitePackages())
            foreach (var lib in new[] { wheelPackage, "cu13", "cu12" }) yield return Path.Combine(site, "nvidia", lib, "lib");
    }

    /// <summary>site-packages and dist-packages of the active virtual environment, the system and the user.</summary>
    private static IEnumerable<string> SitePackages()
    {
        var roots = new List<string>();
        if (Environment.GetEnvironmentVariable("VIRTUAL_ENV") is { Length: > 0 } venv) roots.Add(venv);
        roots.AddRange(["/usr", "/usr/local", Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local")]);
        roots.AddRange(Subfolders("/opt", "*").SelectMany(o => new[] { o, Path.Combine(o, ".venv") }));
        foreach (var root in roots)
            foreach (var py in Subfolders(Path.Combine(root, "lib"), "python3*"))
                foreach (var kind in new[] { "site-packages", "dist-packages" }) yield return Path.Combine(py, kind);
    }

    private static IEnumerable<string> Subfolders(string dir, string pattern)
    {
        try { return Directory.Exists(dir) ? Directory.GetDirectories(dir, pattern) : []; }
        catch (UnauthorizedAccessException) { return []; }
        catch (IOException) { return []; }
    }
}
