using NativeTV.Transformer.Model;

namespace NativeTV.TaskVectors.Steering;

/// <summary>Where to steer and what to optimise: scale * v(theta) added to resid_pre[Layer] at Rows of Tokens, loss over Targets.</summary>
public sealed record SteeringProblem(TokenBatch Tokens, int Layer, int[] Rows, IReadOnlyList<LossTarget> Targets, float Scale = 1f);

/// <summary>One optimisation step's record: the model loss, the penalty, and the L0 of the parameterisation (active components).</summary>
public sealed record StepRecord(int Step, double Loss, double Penalty, int L0)
{
    /// <summary>What the optimiser minimises.</summary>
    public double Objective => Loss + Penalty;
}

/// <summary>
/// One of several optimisations run together: its problem, parameterisation, theta (updated in place; it ends at the
/// run's best step), learning rate, early-stop rule (on the run's own log) and step callback. With NoWorseThanStart the
/// best step is sought only among steps whose loss is no higher than the first's (<see cref="SteeringOptimizer.BestStep"/>).
/// </summary>
public sealed record SteeringRun(SteeringProblem Problem, IVectorParameterization Param, float[] Theta, float Lr,
    Func<IReadOnlyList<StepRecord>, bool>? Stop = null, Action<StepRecord>? OnStep = null, bool NoWorseThanStart = false);

/// <summary>
/// Adam on the parameters of a steering vector, each step one forward and backward pass of the
/// model (weights frozen). The building block of task-vector cleaning. theta ends at the step with the lowest
/// objective seen (Adam's last step is not the best one when the loss rises while the penalty falls).
/// Several independent runs at one layer share each step's pass (<see cref="SteeringBatch"/>), each with its own
/// Adam state and stopping rule; a run that stops leaves the batch, so later steps are cheaper.
/// </summary>
public static class SteeringOptimizer
{
    public static List<StepRecord> Optimize(TransformerModel model, SteeringProblem problem, IVectorParameterization param, float[] theta,
        int steps, float lr, Action<StepRecord>? onStep = null, Func<IReadOnlyList<StepRecord>, bool>? stop = null) =>
        OptimizeMany(model, [new SteeringRun(problem, param, theta, lr, stop, onStep)], steps)[0];

    /// <summary>
    /// Every run for at most <paramref name="steps"/> steps; each run's log, in the order given. With
    /// <paramref name="maxPrompts"/>, a pass holds runs of at most that many prompts together (a run with more goes alone)
    /// and the next waiting run joins when one stops: device memory is bounded, results are unchanged.
    /// </summary>
    /// <summary>
    /// The step theta ends at: the lowest objective, among the steps whose loss is no higher than step 0's when
    /// <paramref name="noWorseThanStart"/> (step 0 always qualifies); the first such step on ties.
    /// </summary>
    public static int BestStep(IReadOnlyList<StepRecord> log, bool noWorseThanStart) =>
        log.Select((r, i) => (r, i)).Where(x => !noWorseThanStart || x.r.Loss <= log[0].Loss).MinBy(x => x.r.Objective).i;

    public static List<StepRecord>[] OptimizeMany(TransformerModel model, IReadOnlyList<SteeringRun> runs, int steps, int? maxPrompts = null)
    {
        if (maxPrompts < 1) throw new ArgumentException($"at most {maxPrompts} prompts per pass: give at least 1");
        var states = runs.Select((r, i) => new RunState(r, i, runs.Count > 1 ? $"run {i}: " : "")).ToArray();
        var waiting = new Queue<int>(steps > 0 ? Enumerable.Range(0, runs.Count) : []);
        var active = new List<int>();
        int Prompts(int i) => runs[i].Problem.Tokens.Batch;
        SteeringBatch? batch = null;
        while (waiting.Count > 0 || active.Count > 0)
        {
            while (waiting.Count > 0 && (active.Count == 0 || active.Sum(Prompts) + Prompts(waiting.Peek()) <= (maxPrompts ?? int.MaxValue)))
            {
                active.Add(waiting.Dequeue());
                batch = null;
            }
            batch ??= SteeringBatch.Of(active.Select(i => runs[i].Problem).ToList());
            var (loss, dVector) = batch.LossAndGradients(model, active.Select(i => runs[i].Param.Vector(runs[i].Theta)).ToList());
            var done = new List<int>();
            for (int a = 0; a < active.Count; a++)
                if (states[active[a]].Step(loss[a], dVector[a], steps)) done.Add(active[a]);
            if (done.Count == 0) continue;
            active.RemoveAll(done.Contains);
            batch = null;
        }
        foreach (var st in states) st.Finish();
        return states.Select(st => st.Log).ToArray();
    }

    /// <summary>The model loss at theta and its gradient with respect to theta (no penalty).</summary>
    public static (double Loss, float[] Grad) LossAndGradient(TransformerModel model, SteeringProblem p, IVectorParameterization param, float[] theta)
    {
        var (loss, dVector) = SteeringBatch.Of([p]).LossAndGradients(model, [param.Vector(theta)]);
        return (loss[0], param.Backward(theta, dVector[0]));
    }

    /// <summary>One run's Adam state, log and best theta.</summary>
    private sealed class RunState
    {
        private readonly SteeringRun _run;
        private readonly int _index;
        private readonly string _name;
        private readonly Adam _adam;
        private readonly float[] _best;
        public List<StepRecord> Log { get; } = [];

        public RunState(SteeringRun run, int index, string name)
        {
            if (run.Theta.Length != run.Param.Count) throw new ArgumentException($"{name}theta has {run.Theta.Length} values, the parameterisation {run.Param.Count}");
            _run = run; _index = index; _name = name;
            _adam = new Adam(run.Param.Count, run.Lr);
            _best = (float[])run.Theta.Clone();
        }

        /// <summary>
        /// Records the run's next step given the model loss and d loss / d v at theta, then takes Adam's step; true when
        /// the run is over instead (its stop rule fired, or this was step <paramref name="steps"/>).
        /// </summary>
        public bool Step(double loss, float[] dVector, int steps)
        {
            int s = Log.Count;
            var (param, theta) = (_run.Param, _run.Theta);
            var grad = param.Backward(theta, dVector);
            var penaltyGrad = new float[theta.Length];
            double penalty = param.Penalty(theta, penaltyGrad);
            for (int i = 0; i < grad.Length; i++) grad[i] += penaltyGrad[i];
            if (!double.IsFinite(loss + penalty) || !grad.All(float.IsFinite))
                throw new OptimizationDivergedException($"{_name}the loss became {(double.IsFinite(loss + penalty) ? "finite with a non-finite gradient" : (loss + penalty).ToString())} at step {s} " +
                    $"(a learning rate of {_run.Lr} too high, or NaN in the model or SAE); nothing was written for it", _index);
            var rec = new StepRecord(s, loss, penalty, param.L0(theta));
            Log.Add(rec);
            if (BestStep(Log, _run.NoWorseThanStart) == s) theta.CopyTo(_best, 0);
            _run.OnStep?.Invoke(rec);
            if (_run.Stop?.Invoke(Log) == true || Log.Count == steps) return true;
            _adam.Step(theta, grad);
            return false;
        }

        public void Finish() => _best.CopyTo(_run.Theta, 0);
    }
}
