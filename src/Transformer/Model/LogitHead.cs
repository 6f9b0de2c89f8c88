using NativeTV.Kernels;
using NativeTV.Kernels.Native;

namespace NativeTV.Transformer.Model;

/// <summary>
/// Final norm and lm_head at chosen rows only (Gemma's vocabulary is 256,000): gathers the rows,
/// normalises them and projects. Keeps the gathered rows for its backward; after
/// <see cref="Backward"/> its buffers hold gradients.
/// </summary>
internal sealed class LogitHead : IDisposable
{
    private readonly TransformerModel _m;
    public DeviceBuffer<int> Rows { get; }
    public Mat Gathered { get; }
    public Mat Normed { get; }
    public Mat Logits { get; }
    private readonly Mat _dGathered;

    public LogitHead(TransformerModel m, Mat x, int[] rows)
    {
        _m = m;
        var be = m.Backend;
        var c = m.Config;
        Rows = be.Upload(rows);
        Gathered = be.AllocMat(rows.Length, c.HiddenSize);
        Normed = be.AllocMat(rows.Length, c.HiddenSize);
        Logits = be.AllocMat(rows.Length, c.VocabSize);
        _dGathered = be.AllocMat(rows.Length, c.HiddenSize);
        using var stage = Nvtx.Range("head");
        be.GatherRows(x, Rows, Gathered);
        be.RmsNorm(Gathered, m.Weights.FinalNorm, (float)c.RmsNormEps, c.NormWeightOffset, Normed);
        be.MatMul(Normed, m.Weights.LmHead, Logits);
    }

    /// <summary>
    /// Given d loss / d logits in <see cref="Logits"/>, adds d loss / d x into the rows of <paramref name="dx"/>,
    /// and the lm_head and final-norm weight gradients into <paramref name="grads"/> when given.
    /// </summary>
    public void Backward(Mat dx, Func<DeviceWeight, Mat>? grads = null)
    {
        var be = _m.Backend;
        var c = _m.Config;
        var w = _m.Weights;
        using var stage = Nvtx.Range("head backward");
        if (grads != null) be.MatMulWeightGrad(Logits, Normed, grads(w.LmHead), accumulate: true);
        be.MatMulBackward(Logits, w.LmHead, Normed, accumulate: false);
        if (grads != null) be.RmsNormWeightGrad(Gathered, (float)c.RmsNormEps, Normed, grads(w.FinalNorm), accumulate: true);
        be.RmsNormBackward(Gathered, w.FinalNorm, (float)c.RmsNormEps, c.NormWeightOffset, Normed, _dGathered, accumulate: false);
        be.ScatterAddRows(_dGathered, Rows, dx);
    }

    public void Dispose() { Rows.Dispose(); Gathered.Buf.Dispose(); Normed.Buf.Dispose(); Logits.Buf.Dispose(); _dGathered.Buf.Dispose(); }
}
