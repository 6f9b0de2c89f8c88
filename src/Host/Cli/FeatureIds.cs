using NativeTV.TaskVectors.Experiments;

namespace NativeTV.Host.Cli;

/// <summary>The value of a --features option: feature ids ("3,5-7") or the features JSON it names.</summary>
public static class FeatureIds
{
    public static int[]? Parse(string? s) =>
        s is null ? null
        : s.All(c => char.IsAsciiDigit(c) || c is ',' or '-' or ' ') ? Cli.Parse.IntList(s, "--features")
        : File.Exists(s) ? FeatureLists.FromJson(s)
        : throw new FileNotFoundException($"--features: no file {s} (give feature ids like 3,5-7 or a features JSON)");
}
