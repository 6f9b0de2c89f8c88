namespace NativeTV.Kernels;

/// <summary>Gate activation of the gated MLP: Gemma's tanh-approximated GELU (GeGLU) or Phi-3's SiLU (SwiGLU).</summary>
public enum GateActivation { GeluTanh, Silu }

/// <summary>
/// Shape of a causal self-attention call. Rows of q/k/v/y are (batch, position) pairs, b * SeqLen + t;
/// head h occupies columns [h * HeadDim, (h + 1) * HeadDim). Query head h reads key/value head
/// h / (QHeads / KvHeads) (grouped / multi-query attention). A key j is visible to query t when
/// j &lt;= t, mask[b, j] = 1 and (SlidingWindow = 0 or t - j &lt; SlidingWindow).
/// </summary>
public readonly record struct AttentionShape(int Batch, int SeqLen, int QHeads, int KvHeads, int HeadDim, float Scale, int SlidingWindow)
{
    /// <summary>Rows of the (never stored) score matrices, one per (batch, query head, query): the length of lse and of the backward's scratch.</summary>
    public long ScoreRows => (long)Batch * QHeads * SeqLen;
    public int Group => QHeads / KvHeads;
}

/// <summary>
/// The op set every model is built from. One implementation per backend (CPU with BLAS, ILGPU
/// kernels); each op has the same semantics on all, defined by the scalar reference in the tests.
/// Calls are asynchronous on GPU backends: <see cref="Synchronize"/> or a copy to host waits.
/// </summary>
public interface IBackend : IDisposable
{
    /// <summary>cpu, ilgpu-cpu or cuda.</summary>
    string Name { get; }

    /// <summary>Human description of the device (for reports).</summary>
    string DeviceDescription { get; }

    /// <summary>What the matmuls compute in; a run records it, since bf16 changes the numbers.</summary>
    Precision Precision { get; }

    /// <summary>A zero-filled buffer.</summary>
    DeviceBuffer<float> Alloc(long length);
    DeviceBuffer<int> AllocInts(long length);
    void CopyToDevice<T>(ReadOnlySpan<T> src, DeviceBuffer<T> dst, long dstOffset = 0) where T : unmanaged;
    void CopyToHost<T>(DeviceBuffer<T> src, long srcOffset, Span<T> dst) where T : unmanaged;
    void Synchronize();

    /// <summary>Puts a weight on the device in its stored dtype (the CPU backend keeps a view, no copy).</summary>
    DeviceWeight Upload(HostTensor t);

    /// <summary>
    /// A float32 weight [rows, cols] viewing <paramref name="data"/> from <paramref name="offset"/>, no copy:
    /// trainable parameters live in float buffers that optimisers update in place, and the matmuls
    /// read them through this view.
    /// </summary>
    DeviceWeight AsWeight(DeviceBuffer<float> data, long offset, int rows, int cols, string name);

    // ----- Ops, each with its backward and weight gradient next to it (as llm.c keeps them) -----

    /// <summary>y[i] = scale * table[ids[i]] for i &lt; y.Rows. Ids are checked against the table by the caller (user input), and by <see cref="CheckedBackend"/>.</summary>
    void Embedding(DeviceWeight table, DeviceBuffer<int> ids, float scale, Mat y);

    /// <summary>y = x * rsqrt(mean(x^2) + eps) * (weightOffset + w), per row, in float32.</summary>
    void RmsNorm(Mat x, DeviceWeight w, float eps, float weightOffset, Mat y);

    /// <summary>
    /// Input gradient of <see cref="RmsNorm"/>: with r = rsqrt(mean(x^2) + eps), g = weightOffset + w,
    /// dx (+)= r (dy g) - x r^3 mean(dy g x).
    /// </summary>
    void RmsNormBackward(Mat x, DeviceWeight w, float eps, float weightOffset, Mat dy, Mat dx, bool accumulate);

    /// <summary>
    /// Weight gradient of <see cref="RmsNorm"/>: dw[c] (+)= sum over rows of dy[r, c] x[r, c] rsqrt(mean(x[r]^2) + eps)
    /// (dw is [1, cols]; the same for Gemma's 1 + w and Phi-3's w).
    /// </summary>
    void RmsNormWeightGrad(Mat x, float eps, Mat dy, Mat dw, bool accumulate);

    /// <summary>y = x W^T with W stored [N, K] as in Hugging Face linear layers (x [M, K], y [M, N]).</summary>
    void MatMul(Mat x, DeviceWeight w, Mat y);

    /// <summary>
    /// y = x W, or y += x W when <paramref name="accumulate"/> (W [K, N] as stored, x [M, K], y [M, N]): the
    /// product without transpose. It is the input gradient of <see cref="MatMul"/> (dx (+)= dy W, see
    /// <see cref="BackendExtensions.MatMulBackward"/>) and a dense SAE decode (f W_dec).
    /// </summary>
    void MatMulNoTranspose(Mat x, DeviceWeight w, Mat y, bool accumulate);

    /// <summary>dW (+)= dy^T x: the weight gradient of <see cref="MatMul"/> (dy [M, N], x [M, K], dW [N, K]).</summary>
    void MatMulWeightGrad(Mat dy, Mat x, Mat dW, bool accumulate);

    /// <summary>
    /// Rotate-half RoPE in place on the first <paramref name="rotDim"/> dims of each of <paramref name="heads"/> heads:
    /// (x1, x2) -> (x1 cos - x2 sin, x2 cos + x1 sin), with cos/sin [maxPos, rotDim/2] read at positions[row].
    /// With <paramref name="backward"/> it applies the transpose, (d1, d2) -> (d1 cos + d2 sin, d2 cos - d1 sin):
    /// the gradient with respect to the input, given the gradient of the output, in place.
    /// </summary>
    void Rope(Mat x, int heads, int headDim, int rotDim, DeviceBuffer<int> positions, DeviceBuffer<float> cos, DeviceBuffer<float> sin, bool backward = false);

    /// <summary>
    /// y = softmax(scale q k^T + masks) v per (batch, head), in memory linear in SeqLen: the probabilities are
    /// never stored (flash attention). <paramref name="lse"/> [Batch, QHeads, SeqLen] receives each query's
    /// log-sum-exp over its visible keys, log sum_j exp(scale q.k_j), from which the backward recomputes the
    /// probabilities as exp(score - lse). A query that sees no key gets y = 0 and lse = +inf.
    /// </summary>
    void Attention(Mat q, Mat k, Mat v, DeviceBuffer<int> mask, AttentionShape shape, Mat y, DeviceBuffer<float> lse);

    /// <summary>
    /// Gradients of <see cref="Attention"/> from its inputs, its output <paramref name="y"/> and <paramref name="lse"/>,
    /// the scores recomputed block by block: dq, dk, dv are overwritten (dk, dv summed over the query heads sharing a
    /// key/value head). <paramref name="scratch"/> has <see cref="AttentionShape.ScoreRows"/> floats (it receives
    /// rowsum(dy y) per query and head).
    /// </summary>
    void AttentionBackward(Mat q, Mat k, Mat v, DeviceBuffer<int> mask, AttentionShape shape, Mat y, DeviceBuffer<float> lse, Mat dy,
        DeviceBuffer<float> scratch, Mat dq, Mat dk, Mat dv);

    /// <summary>y = act(gate) * up, elementwise.</summary>
    void GatedActivation(Mat gate, Mat up, GateActivation act, Mat y);

    /// <summary>dGate = dy * up * act'(gate), dUp = dy * act(gate) (overwritten).</summary>
    void GatedActivationBackward(Mat gate, Mat up, GateActivation act, Mat dy, Mat dGate, Mat dUp);

    /// <summary>y += alpha x, elementwise.</summary>
    void Add(Mat y, Mat x, float alpha = 1f);

    /// <summary>
    /// y[r] += alpha s[r] x[r] for every row r: a per-row scale, the row-wise form of <see cref="Add"/>
    /// (e.g. the gradient of a row norm, d||w_r|| / d w_r = w_r / ||w_r||, weighted per row).
    /// </summary>
    void AddScaledRows(Mat y, Mat x, DeviceBuffer<float> s, float alpha = 1f);

    /// <summary>y[rows[i]] += scale * v for i &lt; count (the steering hook).</summary>
    void AddToRows(Mat y, DeviceBuffer<int> rows, int count, DeviceBuffer<float> v, float scale);

    /// <summary>sums[c] (+)= sum over rows of x[r, c] (bias gradients).</summary>
    void ColumnSums(Mat x, DeviceBuffer<float> sums, bool accumulate);

    /// <summary>
    /// dots[c] (+)= sum over rows of a[r, c] b[r, c]: the column twin of <see cref="RowDots"/>, and the
    /// gradient of a per-column scale (y[r, c] = s[c] x[r, c] gives ds = ColumnDots(dy, x)).
    /// </summary>
    void ColumnDots(Mat a, Mat b, DeviceBuffer<float> dots, bool accumulate);

    /// <summary>y[i] = x[rows[i]] for i &lt; y.Rows.</summary>
    void GatherRows(Mat x, DeviceBuffer<int> rows, Mat y);

    /// <summary>y[rows[i]] += x[i] for i &lt; x.Rows (the gradient of <see cref="GatherRows"/>; rows may repeat).</summary>
    void ScatterAddRows(Mat x, DeviceBuffer<int> rows, Mat y);

    /// <summary>y = x, elementwise.</summary>
    void Copy(Mat x, Mat y);

    /// <summary>
    /// Cross-entropy at chosen rows, forward and backward fused (logits are never needed after it):
    /// nll[i] = -log softmax(logits[i])[targets[i]], then logits[i] is overwritten by its gradient
    /// weights[i] * (softmax(logits[i]) - onehot(targets[i])).
    /// </summary>
    void CrossEntropy(Mat logits, DeviceBuffer<int> targets, DeviceBuffer<float> weights, DeviceBuffer<float> nll);

    // ----- Sparse autoencoders -----

    /// <summary>f = act(z) per row (see <see cref="SaeActivationArgs"/>); f may be z.</summary>
    void SaeActivation(Mat z, SaeActivationArgs args, Mat f);

    /// <summary>dz = df * d act / d z (the gate and jump are steps: zero derivative; off features stay off).</summary>
    void SaeActivationBackward(Mat z, SaeActivationArgs args, Mat df, Mat dz);

    /// <summary>
    /// One gradient-pursuit selection per row: the argmax of c (of |c| when <paramref name="signed"/>)
    /// joins the row's support (support[r, j] = 1), then c becomes c restricted to the support.
    /// The support is also kept as a list: active[r * stride + slot] = the new index, or -1 when the
    /// argmax was already in the support.
    /// </summary>
    void PursuitSelect(Mat c, Mat support, bool signed, DeviceBuffer<int> active, int stride, int slot);

    /// <summary>
    /// Sparse decode over listed features only: y[r] = sum over s &lt; slots with j = active[r * stride + s] >= 0
    /// of coeffs[r, j] W[j] (W [d_sae, d_in], y overwritten). The dense form is <see cref="MatMulNoTranspose"/>.
    /// </summary>
    void SparseDecode(DeviceBuffer<int> active, int stride, int slots, Mat coeffs, DeviceWeight w, Mat y);

    /// <summary>dots[r] = a[r] . b[r].</summary>
    void RowDots(Mat a, Mat b, DeviceBuffer<float> dots);

    /// <summary>w[r] += (num[r] / den[r]) g[r], then w[r] = max(w[r], 0) when <paramref name="nonNegative"/>; a row with den[r] = 0 is left unchanged.</summary>
    void PursuitUpdate(Mat w, Mat g, DeviceBuffer<float> num, DeviceBuffer<float> den, bool nonNegative);

    // ----- Optimiser steps -----

    /// <summary>
    /// One AdamW step on <paramref name="count"/> parameters: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    /// p -= lr (m / c1) / (sqrt(v / c2) + eps) + lr wd p, with the bias corrections c1 = 1 - b1^t and
    /// c2 = 1 - b2^t computed by the caller. The gradient is read as gradScale * g (clipping).
    /// </summary>
    void AdamStep(DeviceBuffer<float> param, DeviceBuffer<float> grad, DeviceBuffer<float> m, DeviceBuffer<float> v, long count, AdamArgs args);

    /// <summary>Scales each row of x to unit L2 norm (rows of norm 0 stay 0): SAE decoder rows after each step.</summary>
    void NormalizeRows(Mat x);
}
