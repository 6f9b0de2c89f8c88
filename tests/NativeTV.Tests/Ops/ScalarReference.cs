namespace NativeTV.Tests.Ops;

/// <summary>
/// Plain scalar definitions of every op and its backward, in double precision. Each backend is
/// checked against these, and each backward here is checked against finite differences of its
/// forward. Written for clarity, not speed. Matrices are dense row-major arrays.
/// </summary>
public static class ScalarReference
{
    public static double[] D(float[] x) => x.Select(v => (double)v).ToArray();

    // ---------- matmul: y = x W^T, W [n, k]

    public static double[] MatMul(double[] x, int m, int k, double[] w, int n)
    {
        var y = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++) y[i * n + j] += x[i * k + p] * w[j * k + p];
        return y;
    }

    /// <summary>dx = dy W.</summary>
    public static double[] MatMulBackward(double[] dy, int m, int n, double[] w, int k)
    {
        var dx = new double[m * k];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++) dx[i * k + p] += dy[i * n + j] * w[j * k + p];
        return dx;
    }

    // ---------- rmsnorm

    public static double[] RmsNorm(double[] x, int rows, int d, double[] w, double eps, double offset)
    {
        var y = new double[rows * d];
        for (int r = 0; r < rows; r++)
        {
            double ss = 0;
            for (int i = 0; i < d; i++) ss += x[r * d + i] * x[r * d + i];
            double inv = 1.0 / Math.Sqrt(ss / d + eps);
            for (int i = 0; i < d; i++) y[r * d + i] = x[r * d + i] * inv * (offset + w[i]);
        }
        return y;
    }

    public static double[] RmsNormBackward(double[] x, int rows, int d, double[] w, double eps, double offset, double[] dy)
    {
        var dx = new double[rows * d];
        for (int r = 0; r < rows; r++)
        {
            double ss = 0, dot = 0;
            for (int i = 0; i < d; i++) { ss += x[r * d + i] * x[r * d + i]; dot += dy[r * d + i] * (offset + w[i]) * x[r * d + i]; }
            double inv = 1.0 / Math.Sqrt(ss / d + eps);
            for (int i = 0; i < d; i++) dx[r * d + i] = inv * dy[r * d + i] * (offset + w[i]) - x[r * d + i] * inv * inv * inv * dot / d;
        }
        return dx;
    }

    public static double[] RmsNormWeightGrad(double[] x, int rows, int d, double eps, double[] dy)
    {
        var dw = new double[d];
        for (int r = 0; r < rows; r++)
        {
            double ss = 0;
            for (int i = 0; i < d; i++) ss += x[r * d + i] * x[r * d + i];
            double inv = 1.0 / Math.Sqrt(ss / d + eps);
            for (int i = 0; i < d; i++) dw[i] += dy[r * d + i] * x[r * d + i] * inv;
        }
        return dw;
    }

    // ---------- embedding

    public static double[] Embedding(double[] table, int d, int[] ids, double scale)
    {
        var y = new double[ids.Length * d];
        for (int i = 0; i < ids.Length; i++)
            for (int c = 0; c < d; c++) y[i * d + c] = table[ids[i] * d + c] * scale;
        return y;
    }

    // ---------- rope (rotate-half): a linear map; its backward is the transpose

    public static double[] Rope(double[] x, int rows, int heads, int headDim, int rotDim, int[] pos, double[] cos, double[] sin, bool transpose = false)
    {
        var y = (double[])x.Clone();
        int half = rotDim / 2, width = heads * headDim;
        for (int r = 0; r < rows; r++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < half; i++)
                {
                    int a = r * width + h * headDim + i, b = a + half;
                    double c = cos[pos[r] * half + i], s = sin[pos[r] * half + i];
                    if (transpose) { y[a] = x[a] * c + x[b] * s; y[b] = x[b] * c - x[a] * s; }
                    else { y[a] = x[a] * c - x[b] * s; y[b] = x[b] * c + x[a] * s; }
                }
        return y;
    }

    // ---------- attention

    public sealed record AttentionArgs(int Batch, int T, int Hq, int Hkv, int Hd, double Scale, int Window, int[] Mask)
    {
        public bool Visible(int b, int t, int j) => j <= t && Mask[b * T + j] != 0 && (Window == 0 || t - j < Window);
        public int Q(int b, int t, int h, int i) => (b * T + t) * Hq * Hd + h * Hd + i;
        public int KV(int b, int j, int h, int i) => (b * T + j) * Hkv * Hd + h / (Hq / Hkv) * Hd + i;
        public int P(int b, int h, int t, int j) => ((b * Hq + h) * T + t) * T + j;
    }

    /// <summary>
    /// Causal, padded, optionally windowed grouped-query attention; q [B*T, Hq*hd], k/v [B*T, Hkv*hd]. Also returns
    /// lse [B, Hq, T], each query's log-sum-exp over its visible scores (+inf for a query that sees no key).
    /// </summary>
    public static (double[] y, double[] lse) Attention(double[] q, double[] k, double[] v, AttentionArgs a)
    {
        var (probs, lse) = Probabilities(q, k, a);
        var y = new double[q.Length];
        for (int b = 0; b < a.Batch; b++)
            for (int h = 0; h < a.Hq; h++)
                for (int t = 0; t < a.T; t++)
                    for (int j = 0; j <= t; j++)
                        for (int i = 0; i < a.Hd; i++) y[a.Q(b, t, h, i)] += probs[a.P(b, h, t, j)] * v[a.KV(b, j, h, i)];
        return (y, lse);
    }

    /// <summary>The attention probabilities [B, Hq, T, T] (0 where masked; all 0 for a query that sees no key) and lse.</summary>
    private static (double[] probs, double[] lse) Probabilities(double[] q, double[] k, AttentionArgs a)
    {
        var probs = new double[a.Batch * a.Hq * a.T * a.T];
        var lse = new double[a.Batch * a.Hq * a.T];
        for (int b = 0; b < a.Batch; b++)
            for (int h = 0; h < a.Hq; h++)
                for (int t = 0; t < a.T; t++)
                {
                    var s = new double[a.T];
                    double max = double.NegativeInfinity;
                    for (int j = 0; j <= t; j++)
                    {
                        if (!a.Visible(b, t, j)) continue;
                        for (int i = 0; i < a.Hd; i++) s[j] += q[a.Q(b, t, h, i)] * k[a.KV(b, j, h, i)];
                        s[j] *= a.Scale;
                        max = Math.Max(max, s[j]);
                    }
                    int row = (b * a.Hq + h) * a.T + t;
                    lse[row] = double.PositiveInfinity;
                    if (double.IsNegativeInfinity(max)) continue;
                    double sum = 0;
                    for (int j = 0; j <= t; j++) if (a.Visible(b, t, j)) sum += Math.Exp(s[j] - max);
                    lse[row] = max + Math.Log(sum);
                    for (int j = 0; j <= t; j++)
                        if (a.Visible(b, t, j)) probs[a.P(b, h, t, j)] = Math.Exp(s[j] - lse[row]);
                }
        return (probs, lse);
    }

    public static (double[] dq, double[] dk, double[] dv) AttentionBackward(double[] q, double[] k, double[] v, AttentionArgs a, double[] dy)
    {
        var (probs, _) = Probabilities(q, k, a);
        double[] dq = new double[q.Length], dk = new double[k.Length], dv = new double[v.Length];
        for (int b = 0; b < a.Batch; b++)
            for (int h = 0; h < a.Hq; h++)
                for (int t = 0; t < a.T; t++)
                {
                    var dp = new double[a.T];
                    double dot = 0;
                    for (int j = 0; j <= t; j++)
                    {
                        double p = probs[a.P(b, h, t, j)];
                        for (int i = 0; i < a.Hd; i++) { dp[j] += dy[a.Q(b, t, h, i)] * v[a.KV(b, j, h, i)]; dv[a.KV(b, j, h, i)] += p * dy[a.Q(b, t, h, i)]; }
                        dot += p * dp[j];
                    }
                    for (int j = 0; j <= t; j++)
                    {
                        double ds = probs[a.P(b, h, t, j)] * (dp[j] - dot) * a.Scale;
                        for (int i = 0; i < a.Hd; i++) { dq[a.Q(b, t, h, i)] += ds * k[a.KV(b, j, h, i)]; dk[a.KV(b, j, h, i)] += ds * q[a.Q(b, t, h, i)]; }
                    }
                }
        return (dq, dk, dv);
    }

    // ---------- gated activations

    public static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    public static double Silu(double x) => x / (1 + Math.Exp(-x));

    public static double GeluTanhDerivative(double x)
    {
        double c = Math.Sqrt(2 / Math.PI), th = Math.Tanh(c * (x + 0.044715 * x * x * x));
        return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * c * (1 + 3 * 0.044715 * x * x);
    }

    public static double SiluDerivative(double x) { double s = 1 / (1 + Math.Exp(-x)); return s * (1 + x * (1 - s)); }

    public static double[] GatedActivation(double[] gate, double[] up, bool gelu) =>
        gate.Select((g, i) => (gelu ? GeluTanh(g) : Silu(g)) * up[i]).ToArray();

    public static (double[] dGate, double[] dUp) GatedActivationBackward(double[] gate, double[] up, bool gelu, double[] dy) =>
        (gate.Select((g, i) => dy[i] * up[i] * (gelu ? GeluTanhDerivative(g) : SiluDerivative(g))).ToArray(),
         gate.Select((g, i) => dy[i] * (gelu ? GeluTanh(g) : Silu(g))).ToArray());

    // ---------- cross-entropy: nll per row and the weighted gradient of sum_i w_i nll_i

    public static (double[] nll, double[] grad) CrossEntropy(double[] logits, int rows, int vocab, int[] targets, double[] weights)
    {
        var nll = new double[rows];
        var grad = new double[logits.Length];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int i = 0; i < vocab; i++) max = Math.Max(max, logits[r * vocab + i]);
            for (int i = 0; i < vocab; i++) sum += Math.Exp(logits[r * vocab + i] - max);
            double lse = max + Math.Log(sum);
            nll[r] = lse - logits[r * vocab + targets[r]];
            for (int i = 0; i < vocab; i++) grad[r * vocab + i] = weights[r] * (Math.Exp(logits[r * vocab + i] - lse) - (i == targets[r] ? 1 : 0));
        }
        return (nll, grad);
    }
}
