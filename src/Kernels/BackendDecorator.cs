namespace NativeTV.Kernels;

/// <summary>
/// A backend that forwards every member to an inner one, each op call through <see cref="Run"/>: a
/// decorator overrides that one hook (timing) or the ops whose arguments it needs (contract checks),
/// never the forwarding itself. Buffers, weights and copies go straight to the inner backend.
/// </summary>
public abstract class BackendDecorator(IBackend inner) : IBackend
{
    protected IBackend Inner { get; } = inner;

    /// <summary>The backend under every decorator: code that needs the concrete backend (cuBLAS on cuda) looks through them.</summary>
    public static IBackend Undecorated(IBackend be) => be is BackendDecorator d ? Undecorated(d.Inner) : be;

    /// <summary>Runs one op call; <paramref name="op"/> is its <see cref="IBackend"/> member name.</summary>
    protected virtual void Run(string op, Action call) => call();

    public string Name => Inner.Name;
    public string DeviceDescription => Inner.DeviceDescription;
    public Precision Precision => Inner.Precision;
    public DeviceBuffer<float> Alloc(long length) => Inner.Alloc(length);
    public DeviceBuffer<int> AllocInts(long length) => Inner.AllocInts(length);
    public void CopyToDevice<T>(ReadOnlySpan<T> src, DeviceBuffer<T> dst, long dstOffset = 0) where T : unmanaged => Inner.CopyToDevice(src, dst, dstOffset);
    public void CopyToHost<T>(DeviceBuffer<T> src, long srcOffset, Span<T> dst) where T : unmanaged => Inner.CopyToHost(src, srcOffset, dst);
    public void Synchronize() => Inner.Synchronize();
    public DeviceWeight Upload(HostTensor t) => Inner.Upload(t);
    public DeviceWeight AsWeight(DeviceBuffer<float> data, long offset, int rows, int cols, string name) => Inner.AsWeight(data, offset, rows, cols, name);

    // ----- Ops, in the order of IBackend -----

    public virtual void Embedding(DeviceWeight table, DeviceBuffer<int> ids, float scale, Mat y) =>
        Run(nameof(Embedding), () => Inner.Embedding(table, ids, scale, y));
    public virtual void RmsNorm(Mat x, DeviceWeight w, float eps, float weightOffset, Mat y) =>
        Run(nameof(RmsNorm), () => Inner.RmsNorm(x, w, eps, weightOffset, y));
    public virtual void RmsNormBackward(Mat x, DeviceWeight w, float eps, float weightOffset, Mat dy, Mat dx, bool accumulate) =>
        Run(nameof(RmsNormBackward), () => Inner.RmsNormBackward(x, w, eps, weightOffset, dy, dx, accumulate));
    public virtual void RmsNormWeightGrad(Mat x, float eps, Mat dy, Mat dw, bool accumulate) =>
        Run(nameof(RmsNormWeightGrad), () => Inner.RmsNormWeightGrad(x, eps, dy, dw, accumulate));
    public virtual void MatMul(Mat x, DeviceWeight w, Mat y) =>
        Run(nameof(MatMul), () => Inner.MatMul(x, w, y));
    public virtual void MatMulNoTranspose(Mat x, DeviceWeight w, Mat y, bool accumulate) =>
        Run(nameof(MatMulNoTranspose), () => Inner.MatMulNoTranspose(x, w, y, accumulate));
    public virtual void MatMulWeightGrad(Mat dy, Mat x, Mat dW, bool accumulate) =>
        Run(nameof(MatMulWeightGrad), () => Inner.MatMulWeightGrad(dy, x, dW, accumulate));
    public virtual void Rope(Mat x, int heads, int headDim, int rotDim, DeviceBuffer<int> positions, DeviceBuffer<float> cos, DeviceBuffer<float> sin, bool backward = false) =>
        Run(nameof(Rope), () => Inner.Rope(x, heads, headDim, rotDim, positions, cos, sin, backward));
    public virtual void Attention(Mat q, Mat k, Mat v, DeviceBuffer<int> mask, AttentionShape shape, Mat y, DeviceBuffer<float> lse) =>
        Run(nameof(Attention), () => Inner.Attention(q, k, v, mask, shape, y, lse));
    public virtual void AttentionBackward(Mat q, Mat k, Mat v, DeviceBuffer<int> mask, AttentionShape shape, Mat y, DeviceBuffer<float> lse, Mat dy,
        DeviceBuffer<float> scratch, Mat dq, Mat dk, Mat dv) =>
        Run(nameof(AttentionBackward), () => Inner.AttentionBackward(q, k, v, mask, shape, y, lse, dy, scratch, dq, dk, dv));
    public virtual void GatedActivation(Mat gate, Mat up, GateActivation act, Mat y) =>
        Run(nameof(GatedActivation), () => Inner.GatedActivation(gate, up, act, y));
    public virtual void GatedActivationBackward(Mat gate, Mat up, GateActivation act, Mat dy, Mat dGate, Mat dUp) =>
        Run(nameof(GatedActivationBackward), () => Inner.GatedActivationBackward(gate, up, act, dy, dGate, dUp));
    public virtual void Add(Mat y, Mat x, float alpha = 1f) =>
        Run(nameof(Add), () => Inner.Add(y, x, alpha));
    public virtual void AddScaledRows(Mat y, Mat x, DeviceBuffer<float> s, float alpha = 1f) =>
        Run(nameof(AddScaledRows), () => Inner.AddScaledRows(y, x, s, alpha));
    public virtual void AddToRows(Mat y, DeviceBuffer<int> rows, int count, DeviceBuffer<float> v, float scale) =>
        Run(nameof(AddToRows), () => Inner.AddToRows(y, rows, count, v, scale));
    public virtual void ColumnSums(Mat x, DeviceBuffer<float> sums, bool accumulate) =>
        Run(nameof(ColumnSums), () => Inner.ColumnSums(x, sums, accumulate));
    public virtual void ColumnDots(Mat a, Mat b, DeviceBuffer<float> dots, bool accumulate) =>
        Run(nameof(ColumnDots), () => Inner.ColumnDots(a, b, dots, accumulate));
    public virtual void GatherRows(Mat x, DeviceBuffer<int> rows, Mat y) =>
        Run(nameof(GatherRows), () => Inner.GatherRows(x, rows, y));
    public virtual void ScatterAddRows(Mat x, DeviceBuffer<int> rows, Mat y) =>
        Run(nameof(ScatterAddRows), () => Inner.ScatterAddRows(x, rows, y));
    public virtual void Copy(Mat x, Mat y) =>
        Run(nameof(Copy), () => Inner.Copy(x, y));
    public virtual void CrossEntropy(Mat logits, DeviceBuffer<int> targets, DeviceBuffer<float> weights, DeviceBuffer<float> nll) =>
        Run(nameof(CrossEntropy), () => Inner.CrossEntropy(logits, targets, weights, nll));

    public virtual void SaeActivation(Mat z, SaeActivationArgs args, Mat f) =>
        Run(nameof(SaeActivation), () => Inner.SaeActivation(z, args, f));
    public virtual void SaeActivationBackward(Mat z, SaeActivationArgs args, Mat df, Mat dz) =>
        Run(nameof(SaeActivationBackward), () => Inner.SaeActivationBackward(z, args, df, dz));
    public virtual void PursuitSelect(Mat c, Mat support, bool signed, DeviceBuffer<int> active, int stride, int slot) =>
        Run(nameof(PursuitSelect), () => Inner.PursuitSelect(c, support, signed, active, stride, slot));
    public virtual void SparseDecode(DeviceBuffer<int> active, int stride, int slots, Mat coeffs, DeviceWeight w, Mat y) =>
        Run(nameof(SparseDecode), () => Inner.SparseDecode(active, stride, slots, coeffs, w, y));
    public virtual void RowDots(Mat a, Mat b, DeviceBuffer<float> dots) =>
        Run(nameof(RowDots), () => Inner.RowDots(a, b, dots));
    public virtual void PursuitUpdate(Mat w, Mat g, DeviceBuffer<float> num, DeviceBuffer<float> den, bool nonNegative) =>
        Run(nameof(PursuitUpdate), () => Inner.PursuitUpdate(w, g, num, den, nonNegative));

    public virtual void AdamStep(DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m, DeviceBuffer<float> v, long count, AdamArgs args) =>
        Run(nameof(AdamStep), () => Inner.AdamStep(param, grad, m, v, count, args));
    public virtual void NormalizeRows(Mat x) =>
        Run(nameof(NormalizeRows), () => Inner.NormalizeRows(x));

    public void Dispose()
    {
        Inner.Dispose();
        GC.SuppressFinalize(this);
    }
}
