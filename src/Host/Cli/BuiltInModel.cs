namespace NativeTV.Host.Cli;

/// <summary>
/// The embedded default model: the organism committed under weights/organism, found from the current
/// folder or, for runs from elsewhere, from the folders above the executable (the repository that built it).
/// </summary>
public static class BuiltInModel
{
    public const string RelativePath = "weights/organism";

    public static string Path
    {
        get
        {
            var starts = new[] { Environment.CurrentDirectory, AppContext.BaseDirectory };
            foreach (var start in starts)
                for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                {
                    var candidate = System.IO.Path.Combine(dir.FullName, RelativePath);
                    if (File.Exists(System.IO.Path.Combine(candidate, "config.json"))) return candidate;
                }
            throw new FileNotFoundException($"no --model given and the built-in organism ({RelativePath}) was not found here or above the executable; " +
                $"give --model, or train it: nativetv organism train --out {RelativePath}");
        }
    }
}
