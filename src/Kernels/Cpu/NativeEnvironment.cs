using System.Runtime.InteropServices;

namespace NativeTV.Kernels.Cpu;

/// <summary>
/// libc's environment, which native libraries read with getenv: on Linux .NET keeps its own copy, so
/// Environment.SetEnvironmentVariable never reaches them.
/// </summary>
internal static partial class NativeEnvironment
{
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getenv(string name);

    public static bool IsSet(string name) => getenv(name) != 0;

    /// <summary>Sets <paramref name="name"/> for native code unless it is set already (a user's value wins).</summary>
    public static void SetDefault(string name, string value) => setenv(name, value, 0);

    /// <summary>Sets <paramref name="name"/> for native code, replacing any value (an explicit option wins over the environment).</summary>
    public static void Set(string name, string value) => setenv(name, value, 1);
}
