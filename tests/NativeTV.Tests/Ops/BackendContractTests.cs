using System.Reflection;
using NativeTV.Host.Cli;
using NativeTV.Kernels;

namespace NativeTV.Tests.Ops;

/// <summary>
/// Each op called against its contract throws <see cref="BackendContractException"/> on every backend
/// (one violation per row of <see cref="Violations"/>); valid calls pass through unchanged, which every
/// other op test checks, since the test run wraps its backends in <see cref="CheckedBackend"/>.
/// </summary>
[TestFixtureSource(typeof(TestBackends), nameof(TestBackends.Names))]
public class BackendContractTests(string device) : BackendFixture(device)
{
    /// <summary>Op name (an IBackend member, then what is wrong) and a call that breaks its contract.</summary>
    private static readonly (string Case, Action<BackendContractTests> Call)[] Violations =
    [
        ("Embedding: id outside the table", t => t.be.Embedding(t.W(4, 3), t.Ids(5), 1f, t.M(1, 3))),
        ("RmsNorm: weight length", t => t.be.RmsNorm(t.M(2, 3), t.W(1, 4), 1e-6f, 0f, t.M(2, 3))),
        ("RmsNormBackward: dx shape", t => t.be.RmsNormBackward(t.M(2, 3), t.W(1, 3), 1e-6f, 0f, t.M(2, 3), t.M(2, 4), false)),
        ("RmsNormWeightGrad: dw shape", t => t.be.RmsNormWeightGrad(t.M(2, 3), 1e-6f, t.M(2, 3), t.M(1, 4), false)),
        ("MatMul: inner sizes", t => t.be.MatMul(t.M(2, 3), t.W(4, 5), t.M(2, 4))),
        ("MatMulNoTranspose: inner sizes", t => t.be.MatMulNoTranspose(t.M(2, 3), t.W(4, 5), t.M(2, 5), false)),
        ("MatMulWeightGrad: dW shape", t => t.be.MatMulWeightGrad(t.M(2, 3), t.M(2, 4), t.M(4, 3), false)),
        ("Rope: odd rotDim", t => t.be.Rope(t.M(2, 8), 2, 4, 3, t.Ids(0, 1), t.be.Alloc(8), t.be.Alloc(8))),
        ("Rope: position outside the table", t => t.be.Rope(t.M(2, 8), 2, 4, 4, t.Ids(0, 4), t.be.Alloc(8), t.be.Alloc(8))),
        ("Attention: query heads not a multiple of kv heads", t => t.be.Attention(t.M(2, 6), t.M(2, 4), t.M(2, 4), t.Ids(1, 1),
            new AttentionShape(1, 2, 3, 2, 2, 1f, 0), t.M(2, 6), t.be.Alloc(6))),
        ("Attention: lse too short", t => t.be.Attention(t.M(2, 4), t.M(2, 4), t.M(2, 4), t.Ids(1, 1),
            new AttentionShape(1, 2, 2, 2, 2, 1f, 0), t.M(2, 4), t.be.Alloc(3))),
        ("AttentionBackward: scratch too short", t => t.be.AttentionBackward(t.M(2, 4), t.M(2, 4), t.M(2, 4), t.Ids(1, 1), new AttentionShape(1, 2, 2, 2, 2, 1f, 0),
            t.M(2, 4), t.be.Alloc(4), t.M(2, 4), t.be.Alloc(3), t.M(2, 4), t.M(2, 4), t.M(2, 4))),
        ("AttentionBackward: mask too short", t => t.be.AttentionBackward(t.M(2, 4), t.M(2, 4), t.M(2, 4), t.Ids(1), new AttentionShape(1, 2, 2, 2, 2, 1f, 0),
            t.M(2, 4), t.be.Alloc(4), t.M(2, 4), t.be.Alloc(4), t.M(2, 4), t.M(2, 4), t.M(2, 4))),
        ("GatedActivation: up shape", t => t.be.GatedActivation(t.M(2, 3), t.M(2, 4), GateActivation.Silu, t.M(2, 3))),
        ("GatedActivationBackward: dUp shape", t => t.be.GatedActivationBackward(t.M(2, 3), t.M(2, 3), GateActivation.GeluTanh, t.M(2, 3), t.M(2, 3), t.M(3, 3))),
        ("Add: shapes", t => t.be.Add(t.M(2, 3), t.M(3, 2))),
        ("AddScaledRows: scales too short", t => t.be.AddScaledRows(t.M(3, 2), t.M(3, 2), t.be.Alloc(2))),
        ("AddToRows: row outside y", t => t.be.AddToRows(t.M(2, 3), t.Ids(0, 2), 2, t.be.Alloc(3), 1f)),
        ("ColumnSums: sums too short", t => t.be.ColumnSums(t.M(2, 3), t.be.Alloc(2), false)),
        ("ColumnDots: shapes", t => t.be.ColumnDots(t.M(2, 3), t.M(2, 4), t.be.Alloc(4), false)),
        ("GatherRows: row outside x", t => t.be.GatherRows(t.M(2, 3), t.Ids(-1), t.M(1, 3))),
        ("ScatterAddRows: columns", t => t.be.ScatterAddRows(t.M(1, 3), t.Ids(0), t.M(2, 4))),
        ("Copy: view outside its buffer", t => t.be.Copy(new Mat(t.be.Alloc(5), 0, 2, 3, 3), t.M(2, 3))),
        ("CrossEntropy: target outside the row", t => t.be.CrossEntropy(t.M(1, 3), t.Ids(3), t.be.Alloc(1), t.be.Alloc(1))),
        ("SaeActivation: JumpReLU without threshold", t => t.be.SaeActivation(t.M(2, 3), new SaeActivationArgs(SaeActivationKind.JumpRelu), t.M(2, 3))),
        ("SaeActivationBackward: TopK with K = 0", t => t.be.SaeActivationBackward(t.M(2, 3), new SaeActivationArgs(SaeActivationKind.TopK, K: 0), t.M(2, 3), t.M(2, 3))),
        ("PursuitSelect: slot outside active", t => t.be.PursuitSelect(t.M(2, 3), t.M(2, 3), false, t.Ids(0, 0), 1, 1)),
        ("SparseDecode: coefficients against the weight", t => t.be.SparseDecode(t.Ids(0, 0), 1, 1, t.M(2, 3), t.W(4, 5), t.M(2, 5))),
        ("RowDots: dots too short", t => t.be.RowDots(t.M(3, 2), t.M(3, 2), t.be.Alloc(2))),
        ("PursuitUpdate: denominators too short", t => t.be.PursuitUpdate(t.M(3, 2), t.M(3, 2), t.be.Alloc(3), t.be.Alloc(2), false)),
        ("AdamStep: count beyond the buffers", t => t.be.AdamStep(t.be.Alloc(4), t.be.Alloc(4), t.be.Alloc(3), t.be.Alloc(4), 4, new AdamArgs())),
        ("NormalizeRows: view outside its buffer", t => t.be.NormalizeRows(new Mat(t.be.Alloc(6), 2, 2, 3, 3))),
    ];

    private static IEnumerable<string> Cases => Violations.Select(v => v.Case);

    [TestCaseSource(nameof(Cases))]
    public void ViolationThrowsBackendContractException(string name)
    {
        var call = Violations.Single(v => v.Case == name).Call;
        Assert.Throws<BackendContractException>(() => call(this));
    }

    [Test]
    public void TheTestRunChecksContracts() => Assert.That(be, Is.InstanceOf<CheckedBackend>());

    [Test]
    public void EveryOpIsCheckedAndHasAViolationCase()
    {
        var ops = typeof(BackendDecorator).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.IsVirtual && !m.IsFinal && m.DeclaringType == typeof(BackendDecorator)).Select(m => m.Name).ToHashSet();
        var checkedOps = typeof(CheckedBackend).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(m => m.Name);
        var covered = Violations.Select(v => v.Case.Split(':')[0]);
        Assert.Multiple(() =>
        {
            Assert.That(ops, Is.SubsetOf(checkedOps), "ops CheckedBackend does not check");
            Assert.That(ops, Is.SubsetOf(covered), "ops without a violation case");
        });
    }

    [Test]
    public void TheCliDoesNotTurnAContractViolationIntoAUserError() =>
        Assert.Throws<BackendContractException>(() => CliErrors.Run(() => throw new BackendContractException("a bug")));

    private Mat M(int rows, int cols) => be.AllocMat(rows, cols);
    private DeviceBuffer<int> Ids(params int[] ids) => be.Upload(ids);
    private DeviceWeight W(int rows, int cols) => be.Upload(HostTensor.FromFloats("w", new float[rows * cols], rows == 1 ? [cols] : [rows, cols]));
}
