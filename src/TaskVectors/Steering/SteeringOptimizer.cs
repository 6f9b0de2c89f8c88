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
/// Adam on the parameters of a steering vector, each step one forward and backward pass of the
/// model (weights frozen). The building block of task-vector cleaning. theta ends at the step with the lowest
/// objective seen (Adam's last step is not the best one when the loss rises while the penalty falls).
/// </summary>
public static class SteeringOptimizer
{
    public static List<StepRecord> Optimize(TransformerModel model, SteeringProblem problem, IVectorParameterization param, float[] theta,
        int steps, float lr, Action<StepRecord>? onStep = null, Func<IReadOnlyList<StepRecord>, bool>? stop = null)
    {
        if (theta.Length != param.Count) throw new ArgumentException($"theta has {theta.Length} values, the parameterisation {param.Count}");
        var adam = new Adam(param.Count, lr);
        var log = new List<StepRecord>();
        var best = (float[])theta.Clone();
        double bestObjective = double.PositiveInfinity;
        for (int s = 0; s < steps; s++)
        {
            var (loss, grad) = LossAndGradient(model, problem, param, theta);
            var penaltyGrad = new float[theta.Length];
            double penalty = param.Penalty(theta, penaltyGrad);
            for (int i = 0; i < grad.Length; i++) grad[i] += penaltyGrad[i];
            if (!double.IsFinite(loss + penalty) || !grad.All(float.IsFinite))
                throw new OptimizationDivergedException($"the loss became {(double.IsFinite(loss + penalty) ? "finite with a non-finite gradient" : (loss + penalty).ToString())} at step {s} " +
                    $"(a learning rate of {lr} too high, or NaN in the model or SAE); nothing was written for it");
            var rec = new StepRecord(s, loss, penalty, param.L0(theta));
            log.Add(rec);
            if (rec.Objective < bestObjective) { bestObjective = rec.Objective; theta.CopyTo(best, 0); }
            onStep?.Invoke(rec);
            if (stop?.Invoke(log) == true) break;
            adam.Step(theta, grad);
        }
        best.CopyTo(theta, 0);
        return log;
    }

    /// <summary>The model loss at theta and its gradient with respect to theta (no penalty).</summary>
    public static (double Loss, float[] Grad) LossAndGradient(TransformerModel model, SteeringProblem p, IVectorParameterization param, float[] theta)
    {
        var steer = new HookAdd(new HookKey(HookPoint.ResidPre, p.Layer), p.Rows, param.Vector(theta), p.Scale);
        var r = model.SteerGrad(p.Tokens, steer, p.Targets);
        return (r.Loss, param.Backward(theta, r.Gradient));
    }
}
