namespace NativeTV.Tests.Ops;

/// <summary>
/// Plain scalar definitions of every op, accumulating in double. Each backend is checked against
/// these; they are written for clarity, not speed. Matrices are dense row-major arrays.
/// </summary>
public static class ScalarReference
{
    public static float[] MatMul(float[] x, int m, int k, float[] w, int n)
    {
        var y = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++) acc += (double)x[i * k + p] * w[j * k + p];
                y[i * n + j] = (float)acc;
            }
        return y;
    }

    public static float[] RmsNorm(float[] x, int rows, int d, float[] w, float eps, float offset)
    {
        var y = new float[rows * d];
        for (int r = 0; r < rows; r++)
        {
            double ss = 0;
            for (int i = 0; i < d; i++) ss += (double)x[r * d + i] * x[r * d + i];
            double inv = 1.0 / Math.Sqrt(ss / d + eps);
            for (int i = 0; i < d; i++) y[r * d + i] = (float)(x[r * d + i] * inv * (offset + w[i]));
        }
        return y;
    }

    public static float[] Embedding(float[] table, int d, int[] ids, float scale)
    {
        var y = new float[ids.Length * d];
        for (int i = 0; i < ids.Length; i++)
            for (int c = 0; c < d; c++) y[i * d + c] = (float)((double)table[ids[i] * d + c] * scale);
        return y;
    }

    public static float[] Rope(float[] x, int rows, int heads, int headDim, int rotDim, int[] pos, float[] cos, float[] sin)
    {
        var y = (float[])x.Clone();
        int half = rotDim / 2, width = heads * headDim;
        for (int r = 0; r < rows; r++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < half; i++)
                {
                    int a = r * width + h * headDim + i, b = a + half;
                    double c = cos[pos[r] * half + i], s = sin[pos[r] * half + i];
                    y[a] = (float)(x[a] * c - x[b] * s);
                    y[b] = (float)(x[b] * c + x[a] * s);
                }
        return y;
    }

    /// <summary>Causal, padded, optionally windowed grouped-query attention; q [B*T, Hq*hd], k/v [B*T, Hkv*hd].</summary>
    public static (float[] y, float[] probs) Attention(float[] q, float[] k, float[] v, int[] mask,
        int batch, int T, int hq, int hkv, int hd, double scale, int window)
    {
        var y = new float[batch * T * hq * hd];
        var probs = new float[batch * hq * T * T];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < hq; h++)
                for (int t = 0; t < T; t++)
                {
                    int kvh = h / (hq / hkv);
                    var s = new double[T];
                    var visible = new bool[T];
                    double max = double.NegativeInfinity;
                    for (int j = 0; j <= t; j++)
                    {
                        visible[j] = mask[b * T + j] != 0 && (window == 0 || t - j < window);
                        if (!visible[j]) continue;
                        double acc = 0;
                        for (int i = 0; i < hd; i++) acc += (double)q[(b * T + t) * hq * hd + h * hd + i] * k[(b * T + j) * hkv * hd + kvh * hd + i];
                        s[j] = acc * scale;
                        max = Math.Max(max, s[j]);
                    }
                    if (double.IsNegativeInfinity(max)) continue;
                    double sum = 0;
                    for (int j = 0; j <= t; j++) if (visible[j]) { s[j] = Math.Exp(s[j] - max); sum += s[j]; }
                    for (int j = 0; j <= t; j++)
                    {
                        if (!visible[j]) continue;
                        double p = s[j] / sum;
                        probs[((b * hq + h) * T + t) * T + j] = (float)p;
                        for (int i = 0; i < hd; i++) y[(b * T + t) * hq * hd + h * hd + i] += (float)(p * v[(b * T + j) * hkv * hd + kvh * hd + i]);
                    }
                }
        return (y, probs);
    }

    public static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    public static double Silu(double x) => x / (1 + Math.Exp(-x));

    public static float[] GatedActivation(float[] gate, float[] up, bool gelu)
    {
        var y = new float[gate.Length];
        for (int i = 0; i < y.Length; i++) y[i] = (float)((gelu ? GeluTanh(gate[i]) : Silu(gate[i])) * up[i]);
        return y;
    }
}
