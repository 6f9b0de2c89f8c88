namespace NativeTV.Kernels.Ilgpu;

/// <summary>MatMul, its input gradient and its weight gradient: each one call of the tiled <see cref="GemmKernel{TB}"/>.</summary>
public sealed partial class IlgpuBackend
{
    /// <summary>y = x W^T: B(k, n) = W[n, k], so W is the transposed operand.</summary>
    public void MatMul(Mat x, DeviceWeight w, Mat y)
    {
        var xv = View(x, nameof(x));
        var ww = Weight(w, nameof(w));
        Gemm(xv.Data, ww, View(y, nameof(y)), new GemmArgs
        {
            M = x.Rows, N = ww.Rows, K = x.Cols,
            A = Operand(x, trans: false), B = new GemmOperand { Ld = ww.Cols, Trans = 1 },
        });
    }

    /// <summary>y (+)= x W: W as stored.</summary>
    public void MatMulNoTranspose(Mat x, DeviceWeight w, Mat y, bool accumulate)
    {
        var xv = View(x, nameof(x));
        var ww = Weight(w, nameof(w));
        Gemm(xv.Data, ww, View(y, nameof(y)), new GemmArgs
        {
            M = x.Rows, N = ww.Cols, K = ww.Rows,
            A = Operand(x, trans: false), B = new GemmOperand { Ld = ww.Cols },
            Accumulate = accumulate ? 1 : 0,
        });
    }

    /// <summary>dW (+)= dy^T x: dy is the transposed operand, x (a float32 view) is B as stored.</summary>
    public void MatMulWeightGrad(Mat dy, Mat x, Mat dW, bool accumulate)
    {
        var dyv = View(dy, nameof(dy));
        var xv = View(x, nameof(x));
        Gemm(dyv.Data, xv.Data.Cast<F32Elem>(), View(dW, nameof(dW)), new GemmArgs
        {
            M = dy.Cols, N = x.Cols, K = dy.Rows,
            A = Operand(dy, trans: true), B = Operand(x, trans: false),
            Accumulate = accumulate ? 1 : 0,
        });
    }

    /// <summary>
    /// C (+)= op(A) op(B) on float32 views, op(X) = X^T where its flag is set (X stored [K, M] or [N, K]): the kernel
    /// behind the three matmuls with any transpose flags, in the backend's precision (tests and `bench gemm`).
    /// </summary>
    public void Gemm(Mat a, bool transA, Mat b, bool transB, Mat c, bool accumulate)
    {
        int m = transA ? a.Cols : a.Rows, k = transA ? a.Rows : a.Cols;
        int kb = transB ? b.Cols : b.Rows, n = transB ? b.Rows : b.Cols;
        if (kb != k || c.Rows != m || c.Cols != n)
            throw new BackendContractException($"Gemm: op(a) [{m}, {k}], op(b) [{kb}, {n}], c [{c.Rows}, {c.Cols}] do not match");
        var av = View(a, nameof(a));
        var bv = View(b, nameof(b));
        Gemm(av.Data, bv.Data.Cast<F32Elem>(), View(c, nameof(c)), new GemmArgs
        {
            M = m, N = n, K = k, A = Operand(a, transA), B = Operand(b, transB), Accumulate = accumulate ? 1 : 0,
        });
    }

    private static GemmOperand Operand(Mat m, bool trans) => new() { Offset = m.Offset, Ld = m.Ld, Trans = trans ? 1 : 0 };
}
