// The task vector at one layer and its zero-shot effect: for every task, the loss (and first-token accuracy) of
// zero-shot prompts alone, with the task vector added at their last " ->", and of the few-shot prompts it came from.
//   dotnet run examples/task_vector.cs [MODEL_DIR] [LAYER]      (default: the organism at layer 2)
#:project ../src/Organism/NativeTV.Organism.csproj
#:property Configuration=Release
using NativeTV.Organism;
using NativeTV.TaskVectors;

using var ctx = Script.Open(args);
int layer = Script.Layer(args);
string Cell(ScoreSummary s) => $"{s.Nll,6:F2} ({s.Accuracy * 100,3:F0}%)";

Console.WriteLine($"layer {layer}: loss (accuracy) on {ctx.Counts.Eval} held-out prompts per task");
Console.WriteLine($"{"task",-14} {"zero-shot",15} {"+ task vector",15} {"few-shot",15} {"|tv|",6}");
foreach (var t in ctx.Prompts)
{
    var tv = ctx.TaskVector(t, layer);
    double norm = Math.Sqrt(tv.Sum(x => (double)x * x));
    Console.WriteLine($"{t.Task.Name,-14} {Cell(ctx.Score(t.Eval)),15} {Cell(ctx.Score(t.Eval, new Steer(layer, tv))),15} {Cell(ctx.Score(t.Icl)),15} {norm,6:F1}");
}
