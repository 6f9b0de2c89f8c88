// Cleaning one task with a penalty of one's own: lambda * sum sqrt(act + eps) instead of lambda * sum act (L1). The square
// root's slope is steepest near zero, so it pushes weak features off harder than strong ones, nearer to counting them.
//   dotnet run examples/cleaning.cs [MODEL_DIR] [LAYER] [TASK]      (default: the organism at layer 2, its first task)
#:project ../src/Organism/NativeTV.Organism.csproj
#:property Configuration=Release
using NativeTV.Organism;
using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Steering;

using var ctx = Script.Open(args);
int layer = Script.Layer(args);
var t = args.Length > 2 ? ctx.Prompts.Single(p => p.Task.Name == args[2]) : ctx.Prompts[0];
var o = Script.Cleaning(ctx);
var tv = ctx.TaskVector(t, layer);
var cleanSet = PromptBatch.Of(t.Clean, ctx.NFirst, ctx.Model.Config.PadTokenId);

// The library's cleaning (L1), then the same optimisation with the SAE parameterisation's own L1 off and ours on top.
var l1 = TaskVectorCleaner.Clean(ctx.Model, ctx.Sae(layer), layer, cleanSet, tv, o);
var features = new SaeFeatureVector(ctx.Sae(layer), l1: 0f);
var theta = features.Initial(tv);
SteeringOptimizer.Optimize(ctx.Model, cleanSet.Problem(layer), new SqrtPenalty(features, o.L1), theta, o.Steps, o.Lr);

Console.WriteLine($"{t.Task.Name} at layer {layer}: {o.Steps} steps, lambda {o.L1}; held-out loss (accuracy), active features");
Console.WriteLine($"{"vector",-16} {"loss",6} {"accuracy",9} {"L0",5}");
void Row(string name, float[] v, int l0) { var s = ctx.Score(t.Eval, new Steer(layer, v)); Console.WriteLine($"{name,-16} {s.Nll,6:F2} {s.Accuracy * 100,8:F0}% {l0,5}"); }
Row("task vector", tv, features.L0(features.Initial(tv)));
Row("cleaned, L1", l1.Vector, l1.Features.Count);
Row("cleaned, sqrt", features.Vector(theta), features.L0(theta));

/// <summary>The SAE decoding of <paramref name="inner"/> with lambda * sum sqrt(act + eps) as its penalty.</summary>
sealed class SqrtPenalty(SaeFeatureVector inner, float lambda) : IVectorParameterization
{
    const float Eps = 1e-2f;   // keeps the slope finite where a feature switches on
    public int Count => inner.Count;
    public float[] Vector(float[] theta) => inner.Vector(theta);
    public float[] Backward(float[] theta, float[] dVector) => inner.Backward(theta, dVector);
    public int L0(float[] theta) => inner.L0(theta);
    public double Penalty(float[] theta, float[] grad)
    {
        var (f, dAct) = (inner.Activations(theta), inner.ActivationGradient(theta));
        for (int i = 0; i < grad.Length; i++) grad[i] += lambda * 0.5f / MathF.Sqrt(f[i] + Eps) * dAct[i];
        return lambda * f.Where(x => x > 0).Sum(x => Math.Sqrt(x + Eps));
    }
}
