namespace NativeTV.Tests;

/// <summary>Paths of committed test fixtures (copied next to the test assembly).</summary>
public static class Fixtures
{
    public static string Dir(params string[] parts) => Path.Combine([TestContext.CurrentContext.TestDirectory, "fixtures", .. parts]);

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "nativetv-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(d);
        return d;
    }
}
