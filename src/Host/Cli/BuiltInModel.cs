using NativeTV.Organism;

namespace NativeTV.Host.Cli;

/// <summary>
/// The embedded default model: the organism committed under weights/organism, found from the current
/// folder or, for runs from elsewhere, from the folders above the executable (the repository that built it).
/// </summary>
public static class BuiltInModel
{
    public const string RelativePath = OrganismFolder.RelativePath;

    public static string Path
    {
        get
        {
            try { return OrganismFolder.Find(Environment.CurrentDirectory, AppContext.BaseDirectory); }
            catch (FileNotFoundException)
            {
                throw new FileNotFoundException($"no --model given and the built-in organism ({RelativePath}) was not found here or above the executable; " +
                    $"give --model, or train it: nativetv organism train --out {RelativePath}");
            }
        }
    }
}
