namespace NativeTV.TaskVectors.Runs;

/// <summary>A number's spread over repeats (prompt seeds): mean, sample standard deviation (NaN for one), min, max and count.</summary>
public sealed record Spread(double Mean, double Sd, double Min, double Max, int N)
{
    public static Spread Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("a spread needs at least one value");
        double mean = values.Average();
        double sd = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : double.NaN;
        return new Spread(mean, sd, values.Min(), values.Max(), values.Count);
    }
}
