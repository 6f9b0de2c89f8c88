namespace NativeTV.Tests.Ops;

/// <summary>Deterministic random inputs for op tests.</summary>
public static class TestData
{
    public static float[] Normal(Random rng, int n, double std = 1.0)
    {
        var r = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            r[i] = (float)(std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return r;
    }

    /// <summary>
    /// An attention mask [batch, T]: sequence 1 left-padded (its first 3 keys), sequence 2 right-padded (its last 2),
    /// the others unpadded: queries 0-2 of sequence 1 see no key.
    /// </summary>
    public static int[] AttentionMask(int batch, int T)
    {
        var mask = new int[batch * T];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < T; t++) mask[b * T + t] = (b == 1 && t < 3) || (b == 2 && t >= T - 2) ? 0 : 1;
        return mask;
    }

    /// <summary>Largest |a - b| divided by the largest |b| (and at least 1e-30).</summary>
    public static double RelMaxError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        var e = new double[expected.Length];
        for (int i = 0; i < e.Length; i++) e[i] = expected[i];
        return RelMaxError(actual, e);
    }

    public static double RelMaxError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        if (actual.Length != expected.Length) throw new ArgumentException($"length {actual.Length} != {expected.Length}");
        double maxErr = 0, maxRef = 1e-30;
        for (int i = 0; i < actual.Length; i++)
        {
            maxErr = Math.Max(maxErr, Math.Abs(actual[i] - expected[i]));
            maxRef = Math.Max(maxRef, Math.Abs(expected[i]));
            if (float.IsNaN(actual[i])) return double.NaN;
        }
        return maxErr / maxRef;
    }

    /// <summary>Largest |a - b| divided by the largest |b|, in double.</summary>
    public static double RelMaxError(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected)
    {
        double maxErr = 0, maxRef = 1e-30;
        for (int i = 0; i < actual.Length; i++) { maxErr = Math.Max(maxErr, Math.Abs(actual[i] - expected[i])); maxRef = Math.Max(maxRef, Math.Abs(expected[i])); }
        return maxErr / maxRef;
    }
}
