namespace NativeTV.Kernels;

/// <summary>
/// The op contract of <see cref="IBackend"/>, checked once for every backend: each op's views fit their
/// buffers, shapes agree, lengths suffice and index arguments are in range, before the inner backend runs
/// it (the CPU backend's unsafe code and the ILGPU kernels assume all of it). A violation is a bug and
/// throws <see cref="BackendContractException"/>. On in tests and debug runs (<see cref="BackendFactory"/>);
/// index checks read the index buffers back, a cost only such runs pay.
/// </summary>
public sealed partial class CheckedBackend(IBackend inner) : BackendDecorator(inner)
{
    public override void Embedding(DeviceWeight table, DeviceBuffer<int> ids, float scale, Mat y)
    {
        Fit(nameof(Embedding), ("y", y));
        Require(y.Cols == table.Cols, $"Embedding: y has {y.Cols} columns, table '{table.Name}' has {table.Cols}");
        Indices(nameof(Embedding), "ids", ids, y.Rows, table.Rows);
        base.Embedding(table, ids, scale, y);
    }

    public override void RmsNorm(Mat x, DeviceWeight w, float eps, float weightOffset, Mat y)
    {
        Same(nameof(RmsNorm), ("x", x), ("y", y));
        Require((long)w.Rows * w.Cols == x.Cols, $"RmsNorm: weight '{w.Name}' has {(long)w.Rows * w.Cols} elements, rows have {x.Cols}");
        base.RmsNorm(x, w, eps, weightOffset, y);
    }

    public override void RmsNormBackward(Mat x, DeviceWeight w, float eps, float weightOffset, Mat dy, Mat dx, bool accumulate)
    {
        Same(nameof(RmsNormBackward), ("x", x), ("dy", dy), ("dx", dx));
        Require((long)w.Rows * w.Cols == x.Cols, $"RmsNormBackward: weight '{w.Name}' has {(long)w.Rows * w.Cols} elements, rows have {x.Cols}");
        base.RmsNormBackward(x, w, eps, weightOffset, dy, dx, accumulate);
    }

    public override void RmsNormWeightGrad(Mat x, float eps, Mat dy, Mat dw, bool accumulate)
    {
        Same(nameof(RmsNormWeightGrad), ("x", x), ("dy", dy));
        Fit(nameof(RmsNormWeightGrad), ("dw", dw));
        Require(dw.Rows == 1 && dw.Cols == x.Cols, $"RmsNormWeightGrad: dw is {dw.Rows}x{dw.Cols}, expected 1x{x.Cols}");
        base.RmsNormWeightGrad(x, eps, dy, dw, accumulate);
    }

    public override void MatMul(Mat x, DeviceWeight w, Mat y)
    {
        Fit(nameof(MatMul), ("x", x), ("y", y));
        Require(x.Cols == w.Cols && y.Rows == x.Rows && y.Cols == w.Rows,
            $"MatMul: x {x.Rows}x{x.Cols} times the transpose of '{w.Name}' [{w.Rows}, {w.Cols}] into y {y.Rows}x{y.Cols}");
        base.MatMul(x, w, y);
    }

    public override void MatMulNoTranspose(Mat x, DeviceWeight w, Mat y, bool accumulate)
    {
        Fit(nameof(MatMulNoTranspose), ("x", x), ("y", y));
        Require(x.Cols == w.Rows && y.Rows == x.Rows && y.Cols == w.Cols,
            $"MatMulNoTranspose: x {x.Rows}x{x.Cols} times '{w.Name}' [{w.Rows}, {w.Cols}] into y {y.Rows}x{y.Cols}");
        base.MatMulNoTranspose(x, w, y, accumulate);
    }

    public override void MatMulWeightGrad(Mat dy, Mat x, Mat dW, bool accumulate)
    {
        Fit(nameof(MatMulWeightGrad), ("dy", dy), ("x", x), ("dW", dW));
        Require(dy.Rows == x.Rows && dW.Rows == dy.Cols && dW.Cols == x.Cols,
            $"MatMulWeightGrad: dy {dy.Rows}x{dy.Cols}, x {x.Rows}x{x.Cols} into dW {dW.Rows}x{dW.Cols}");
        base.MatMulWeightGrad(dy, x, dW, accumulate);
    }

    public override void Rope(Mat x, int heads, int headDim, int rotDim, DeviceBuffer<int> positions, DeviceBuffer<float> cos, DeviceBuffer<float> sin, bool backward = false)
    {
        Fit(nameof(Rope), ("x", x));
        Require(rotDim % 2 == 0 && rotDim > 0 && rotDim <= headDim, $"Rope: rotDim {rotDim} must be even and in (0, {headDim}]");
        Require(heads >= 0 && (long)heads * headDim <= x.Cols, $"Rope: {heads} heads of {headDim} exceed {x.Cols} columns");
        Require(cos.Length == sin.Length && cos.Length % (rotDim / 2) == 0, $"Rope: cos/sin lengths {cos.Length}/{sin.Length} are not [maxPos, {rotDim / 2}]");
        Indices(nameof(Rope), "positions", positions, x.Rows, cos.Length / (rotDim / 2));
        base.Rope(x, heads, headDim, rotDim, positions, cos, sin, backward);
    }

    public override void Attention(Mat q, Mat k, Mat v, DeviceBuffer<int> mask, AttentionShape shape, Mat y, DeviceBuffer<float> lse)
    {
        AttentionViews(nameof(Attention), shape, mask, [("q", q), ("y", y)], [("k", k), ("v", v)], [("lse", lse)]);
        base.Attention(q, k, v, mask, shape, y, lse);
    }

    public override void AttentionBackward(Mat q, Mat k, Mat v, DeviceBuffer<int> mask, AttentionShape shape, Mat y, DeviceBuffer<float> lse, Mat dy,
        DeviceBuffer<float> scratch, Mat dq, Mat dk, Mat dv)
    {
        AttentionViews(nameof(AttentionBackward), shape, mask, [("q", q), ("y", y), ("dy", dy), ("dq", dq)], [("k", k), ("v", v), ("dk", dk), ("dv", dv)],
            [("lse", lse), ("scratch", scratch)]);
        base.AttentionBackward(q, k, v, mask, shape, y, lse, dy, scratch, dq, dk, dv);
    }

    /// <summary>
    /// An attention call's views against its shape: query-side views need QHeads x HeadDim columns,
    /// key/value-side ones KvHeads x HeadDim, every view Batch x SeqLen rows, the mask Batch x SeqLen
    /// entries, every per-score-row buffer (lse, scratch) ScoreRows entries.
    /// </summary>
    private static void AttentionViews(string op, AttentionShape shape, DeviceBuffer<int> mask, (string Name, Mat M)[] querySide, (string Name, Mat M)[] kvSide,
        (string Name, DeviceBuffer<float> B)[] perScoreRow)
    {
        var (batch, seq, qh, kvh, hd, _, window) = shape;
        Require(batch >= 0 && seq >= 0 && qh > 0 && kvh > 0 && hd > 0 && qh % kvh == 0 && window >= 0, $"{op}: invalid shape {shape}");
        long rows = (long)batch * seq;
        foreach (var (name, m) in querySide.Concat(kvSide))
        {
            Fit(op, (name, m));
            Require(m.Rows == rows, $"{op}: {name} has {m.Rows} rows, expected {rows}");
        }
        foreach (var (name, m) in querySide)
            Require(m.Cols >= qh * hd, $"{op}: {name} needs {qh * hd} columns, has {m.Cols}");
        foreach (var (name, m) in kvSide)
            Require(m.Cols >= kvh * hd, $"{op}: {name} needs {kvh * hd} columns, has {m.Cols}");
        Require(mask.Length >= rows, $"{op}: mask has {mask.Length} entries, expected {rows}");
        foreach (var (name, b) in perScoreRow)
            Require(b.Length >= shape.ScoreRows, $"{op}: {name} has {b.Length} entries, expected {shape.ScoreRows}");
    }

    public override void GatedActivation(Mat gate, Mat up, GateActivation act, Mat y)
    {
        Same(nameof(GatedActivation), ("gate", gate), ("up", up), ("y", y));
        base.GatedActivation(gate, up, act, y);
    }

    public override void GatedActivationBackward(Mat gate, Mat up, GateActivation act, Mat dy, Mat dGate, Mat dUp)
    {
        Same(nameof(GatedActivationBackward), ("gate", gate), ("up", up), ("dy", dy), ("dGate", dGate), ("dUp", dUp));
        base.GatedActivationBackward(gate, up, act, dy, dGate, dUp);
    }

    public override void Add(Mat y, Mat x, float alpha = 1f)
    {
        Same(nameof(Add), ("y", y), ("x", x));
        base.Add(y, x, alpha);
    }

    public override void AddScaledRows(Mat y, Mat x, DeviceBuffer<float> s, float alpha = 1f)
    {
        Same(nameof(AddScaledRows), ("y", y), ("x", x));
        Require(s.Length >= y.Rows, $"AddScaledRows: s has {s.Length} elements, y has {y.Rows} rows");
        base.AddScaledRows(y, x, s, alpha);
    }

    public override void AddToRows(Mat y, DeviceBuffer<int> rows, int count, DeviceBuffer<float> v, float scale)
    {
        Fit(nameof(AddToRows), ("y", y));
        Require(count >= 0 && count <= rows.Length, $"AddToRows: count {count} with {rows.Length} row ids");
        Require(v.Length >= y.Cols, $"AddToRows: v has {v.Length} entries, rows have {y.Cols}");
        Indices(nameof(AddToRows), "rows", rows, count, y.Rows);
        base.AddToRows(y, rows, count, v, scale);
    }

    public override void ColumnSums(Mat x, DeviceBuffer<float> sums, bool accumulate)
    {
        Fit(nameof(ColumnSums), ("x", x));
        Require(sums.Length >= x.Cols, $"ColumnSums: sums has {sums.Length} elements, x has {x.Cols} columns");
        base.ColumnSums(x, sums, accumulate);
    }

    public override void ColumnDots(Mat a, Mat b, DeviceBuffer<float> dots, bool accumulate)
    {
        Same(nameof(ColumnDots), ("a", a), ("b", b));
        Require(dots.Length >= a.Cols, $"ColumnDots: dots has {dots.Length} elements, a has {a.Cols} columns");
        base.ColumnDots(a, b, dots, accumulate);
    }

    public override void GatherRows(Mat x, DeviceBuffer<int> rows, Mat y)
    {
        Fit(nameof(GatherRows), ("x", x), ("y", y));
        Require(x.Cols == y.Cols, $"GatherRows: x has {x.Cols} columns, y {y.Cols}");
        Indices(nameof(GatherRows), "rows", rows, y.Rows, x.Rows);
        base.GatherRows(x, rows, y);
    }

    public override void ScatterAddRows(Mat x, DeviceBuffer<int> rows, Mat y)
    {
        Fit(nameof(ScatterAddRows), ("x", x), ("y", y));
        Require(x.Cols == y.Cols, $"ScatterAddRows: x has {x.Cols} columns, y {y.Cols}");
        Indices(nameof(ScatterAddRows), "rows", rows, x.Rows, y.Rows);
        base.ScatterAddRows(x, rows, y);
    }

    public override void Copy(Mat x, Mat y)
    {
        Same(nameof(Copy), ("x", x), ("y", y));
        base.Copy(x, y);
    }

    public override void CrossEntropy(Mat logits, DeviceBuffer<int> targets, DeviceBuffer<float> weights, DeviceBuffer<float> nll)
    {
        Fit(nameof(CrossEntropy), ("logits", logits));
        Require(weights.Length >= logits.Rows && nll.Length >= logits.Rows,
            $"CrossEntropy: {logits.Rows} rows but {weights.Length} weights, {nll.Length} nll entries");
        Indices(nameof(CrossEntropy), "targets", targets, logits.Rows, logits.Cols);
        base.CrossEntropy(logits, targets, weights, nll);
    }

    // ----- the checks -----

    private static void Require(bool ok, string message)
    {
        if (!ok) throw new BackendContractException(message);
    }

    /// <summary>Each view lies inside its buffer (what every kernel's indexing relies on).</summary>
    private static void Fit(string op, params (string Name, Mat M)[] views)
    {
        foreach (var (name, m) in views)
            Require(m.Rows >= 0 && m.Cols >= 0 && m.Offset >= 0 && (m.Rows <= 1 || m.Ld >= m.Cols) && m.End <= m.Buf.Length,
                $"{op}: {name} (offset {m.Offset}, {m.Rows}x{m.Cols}, ld {m.Ld}) does not fit its buffer of {m.Buf.Length}");
    }

    /// <summary>The views fit their buffers and all have the shape of the first.</summary>
    private static void Same(string op, params (string Name, Mat M)[] views)
    {
        Fit(op, views);
        var (first, f) = views[0];
        foreach (var (name, m) in views)
            Require(m.Rows == f.Rows && m.Cols == f.Cols, $"{op}: {name} is {m.Rows}x{m.Cols}, {first} is {f.Rows}x{f.Cols}");
    }

    /// <summary>The first <paramref name="count"/> entries of <paramref name="ids"/> exist and index [0, bound).</summary>
    private void Indices(string op, string name, DeviceBuffer<int> ids, long count, long bound)
    {
        Require(count <= ids.Length, $"{op}: {count} rows but {name} has {ids.Length} entries");
        if (count == 0) return;
        var host = new int[count];
        Inner.CopyToHost(ids, 0, host);
        int bad = Array.FindIndex(host, i => i < 0 || i >= bound);
        Require(bad < 0, $"{op}: {name}[{bad}] = {(bad < 0 ? 0 : host[bad])} is outside [0, {bound})");
    }
}
