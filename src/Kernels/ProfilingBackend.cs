using System.Diagnostics;

namespace NativeTV.Kernels;

/// <summary>
/// Wraps a backend and times every op (synchronising before and after each, so GPU times are real, at the
/// cost of the overlap a run would otherwise get): `bench ... --profile` prints the table.
/// </summary>
public sealed class ProfilingBackend(IBackend inner) : BackendDecorator(inner)
{
    private readonly Dictionary<string, (int Calls, double Ms)> _ops = [];

    /// <summary>Per-op call counts and total milliseconds, most expensive first.</summary>
    public IEnumerable<(string Op, int Calls, double Ms)> Report() => _ops.OrderByDescending(kv => kv.Value.Ms).Select(kv => (kv.Key, kv.Value.Calls, kv.Value.Ms));

    /// <summary>Forgets what was timed so far (a bench's warm-up run: JIT and first-touch costs are not the op's).</summary>
    public void Reset() => _ops.Clear();

    protected override void Run(string op, Action call)
    {
        Inner.Synchronize();
        long t0 = Stopwatch.GetTimestamp();
        call();
        Inner.Synchronize();
        var (calls, ms) = _ops.GetValueOrDefault(op);
        _ops[op] = (calls + 1, ms + Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
    }
}
