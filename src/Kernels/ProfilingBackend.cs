using System.Diagnostics;

namespace NativeTV.Kernels;

/// <summary>
/// Wraps a backend and times every op (synchronising before and after each, so GPU times are real, at the
/// cost of the overlap a run would otherwise get): `bench ... --profile` prints the table.
/// </summary>
public sealed class ProfilingBackend(IBackend inner) : IBackend
{
    private readonly Dictionary<string, (int Calls, double Ms)> _ops = [];

    /// <summary>Per-op call counts and total milliseconds, most expensive first.</summary>
    public IEnumerable<(string Op, int Calls, double Ms)> Report() => _ops.OrderByDescending(kv => kv.Value.Ms).Select(kv => (kv.Key, kv.Value.Calls, kv.Value.Ms));

    public void Reset() => _ops.Clear();

    private void Time(string op, Action run)
    {
        inner.Synchronize();
        long t0 = Stopwatch.GetTimestamp();
        run();
        inner.Synchronize();
        var (calls, ms) = _ops.GetValueOrDefault(op);
        _ops[op] = (calls + 1, ms + Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }

    public string Name => inner.Name;
    public string DeviceDescription => inner.DeviceDescription;
    public DeviceBuffer<float> Alloc(long length) => inner.Alloc(length);
    public DeviceBuffer<int> AllocInts(long length) => inner.AllocInts(length);
    public void CopyToDevice<T>(ReadOnlySpan<T> src, DeviceBuffer<T> dst, long dstOffset = 0) where T : unmanaged => inner.CopyToDevice(src, dst, dstOffset);
    public void CopyToHost<T>(DeviceBuffer<T> src, long srcOffset, Span<T> dst) where T : unmanaged => inner.CopyToHost(src, srcOffset, dst);
    public void Synchronize() => inner.Synchronize();
    public DeviceWeight Upload(HostTensor t) => inner.Upload(t);
    public DeviceWeight AsWeight(DeviceBuffer<float> data, long offset, int rows, int cols, string name) => inner.AsWeight(data, offset, rows, cols, name);
    public void Embedding(DeviceWeight table, DeviceBuffer<int> ids, float scale, Mat y) => Time(nameof(Embedding), () => inner.Embedding(table, ids, scale, y));
    public void RmsNorm(Mat x, DeviceWeight w, float eps, float weightOffset, Mat y) => Time(nameof(RmsNorm), () => inner.RmsNorm(x, w, eps, weightOffset, y));
    public void MatMul(Mat x, DeviceWeight w, Mat y) => Time(nameof(MatMul), () => inner.MatMul(x, w, y));
    public void Rope(Mat x, int heads, int headDim, int rotDim, DeviceBuffer<int> positions, DeviceBuffer<float> cos, DeviceBuffer<float> sin, bool backward = false) =>
        Time(nameof(Rope), () => inner.Rope(x, heads, headDim, rotDim, positions, cos, sin, backward));
    public void Attention(Mat q, Mat k, Mat v, DeviceBuffer<int> mask, AttentionShape shape, DeviceBuffer<float> probs, Mat y) =>
        Time(nameof(Attention), () => inner.Attention(q, k, v, mask, shape, probs, y));
    public void GatedActivation(Mat gate, Mat up, GateActivation act, Mat y) => Time(nameof(GatedActivation), () => inner.GatedActivation(gate, up, act, y));
    public void Add(Mat y, Mat x, float alpha = 1f) => Time(nameof(Add), () => inner.Add(y, x, alpha));
    public void AddScaledRows(Mat y, Mat x, DeviceBuffer<float> s, float alpha = 1f) => Time(nameof(AddScaledRows), () => inner.AddScaledRows(y, x, s, alpha));
    public void AddToRows(Mat y, DeviceBuffer<int> rows, int count, DeviceBuffer<float> v, float scale) => Time(nameof(AddToRows), () => inner.AddToRows(y, rows, count, v, scale));
    public void GatherRows(Mat x, DeviceBuffer<int> rows, Mat y) => Time(nameof(GatherRows), () => inner.GatherRows(x, rows, y));
    public void Copy(Mat x, Mat y) => Time(nameof(Copy), () => inner.Copy(x, y));
    public void SaeActivation(Mat z, SaeActivationArgs args, Mat f) => Time(nameof(SaeActivation), () => inner.SaeActivation(z, args, f));
    public void SaeActivationBackward(Mat z, SaeActivationArgs args, Mat df, Mat dz) => Time(nameof(SaeActivationBackward), () => inner.SaeActivationBackward(z, args, df, dz));
    public void PursuitSelect(Mat c, Mat support, bool signed, DeviceBuffer<int> active, int stride, int slot) =>
        Time(nameof(PursuitSelect), () => inner.PursuitSelect(c, support, signed, active, stride, slot));
    public void SparseDecode(DeviceBuffer<int> active, int stride, int slots, Mat coeffs, DeviceWeight w, Mat y) =>
        Time(nameof(SparseDecode), () => inner.SparseDecode(active, stride, slots, coeffs, w, y));
    public void RowDots(Mat a, Mat b, DeviceBuffer<float> dots) => Time(nameof(RowDots), () => inner.RowDots(a, b, dots));
    public void PursuitUpdate(Mat w, Mat g, DeviceBuffer<float> num, DeviceBuffer<float> den, bool nonNegative) =>
        Time(nameof(PursuitUpdate), () => inner.PursuitUpdate(w, g, num, den, nonNegative));
    public void MatMulBackward(Mat dy, DeviceWeight w, Mat dx, bool accumulate) => Time(nameof(MatMulBackward), () => inner.MatMulBackward(dy, w, dx, accumulate));
    public void RmsNormBackward(Mat x, DeviceWeight w, float eps, float weightOffset, Mat dy, Mat dx, bool accumulate) =>
        Time(nameof(RmsNormBackward), () => inner.RmsNormBackward(x, w, eps, weightOffset, dy, dx, accumulate));
    public void RmsNormWeightGrad(Mat x, float eps, Mat dy, Mat dw, bool accumulate) => Time(nameof(RmsNormWeightGrad), () => inner.RmsNormWeightGrad(x, eps, dy, dw, accumulate));
    public void AttentionBackward(Mat q, Mat k, Mat v, AttentionShape shape, DeviceBuffer<float> probs, Mat dy, DeviceBuffer<float> scratch, Mat dq, Mat dk, Mat dv) =>
        Time(nameof(AttentionBackward), () => inner.AttentionBackward(q, k, v, shape, probs, dy, scratch, dq, dk, dv));
    public void GatedActivationBackward(Mat gate, Mat up, GateActivation act, Mat dy, Mat dGate, Mat dUp) =>
        Time(nameof(GatedActivationBackward), () => inner.GatedActivationBackward(gate, up, act, dy, dGate, dUp));
    public void MatMulWeightGrad(Mat dy, Mat x, Mat dW, bool accumulate) => Time(nameof(MatMulWeightGrad), () => inner.MatMulWeightGrad(dy, x, dW, accumulate));
    public void ColumnSums(Mat x, DeviceBuffer<float> sums, bool accumulate) => Time(nameof(ColumnSums), () => inner.ColumnSums(x, sums, accumulate));
    public void ColumnDots(Mat a, Mat b, DeviceBuffer<float> dots, bool accumulate) => Time(nameof(ColumnDots), () => inner.ColumnDots(a, b, dots, accumulate));
    public void AdamStep(DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m, DeviceBuffer<float> v, long count, AdamArgs args) =>
        Time(nameof(AdamStep), () => inner.AdamStep(param, grad, m, v, count, args));
    public void NormalizeRows(Mat x) => Time(nameof(NormalizeRows), () => inner.NormalizeRows(x));
    public void ScatterAddRows(Mat x, DeviceBuffer<int> rows, Mat y) => Time(nameof(ScatterAddRows), () => inner.ScatterAddRows(x, rows, y));
    public void CrossEntropy(Mat logits, DeviceBuffer<int> targets, DeviceBuffer<float> weights, DeviceBuffer<float> nll) =>
        Time(nameof(CrossEntropy), () => inner.CrossEntropy(logits, targets, weights, nll));

    public void Dispose() => inner.Dispose();
}
