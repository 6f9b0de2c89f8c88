// A new baseline in ten lines, scored beside every method of the sweep: the task vector minus the mean residual over
// few-shot prompts of random word pairs (the task's format with no task in it), at one layer, mean over tasks.
//   dotnet run examples/baseline.cs [MODEL_DIR] [LAYER]      (default: the organism at layer 2)
#:project ../src/Organism/NativeTV.Organism.csproj
#:property Configuration=Release
using NativeTV.Organism;
using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

using var ctx = Script.Open(args);
int layer = Script.Layer(args);
var sweep = new SweepRunner(ctx, new SweepOptions([layer], Cleaning: Script.Cleaning(ctx)), Script.Out("baseline"), new Dictionary<string, string>());

// The new baseline: every word of every task, paired at random, as one "task" whose prompts carry only the format.
var words = ctx.Tasks.SelectMany(t => t.Pairs).SelectMany(p => new[] { p.Input, p.Output }).Distinct().ToList();
var rng = new Random(0);
var randomPairs = words.Select(w => (w, words[rng.Next(words.Count)])).ToList();
var random = ctx.Builder.Build(new IclTask("random_pairs", randomPairs, "random"), ctx.Counts.Icl, 1, 1);
var formatMean = TaskVectorExtractor.Mean(ctx.Model, random.Icl, [layer], lastOnly: false)[0];
const string Mine = "tv_minus_random_pairs";

var cells = ctx.Prompts.Select(t =>
{
    var cell = sweep.Run(t, layer);
    var v = ctx.TaskVector(t, layer).Select((x, j) => x - formatMean[j]).ToArray();
    cell.Methods[Mine] = MethodScore.Of(PromptScorer.Score(ctx.Model, t.Eval, new Steer(layer, v), ctx.NFirst));
    return cell;
}).ToList();

Console.WriteLine($"layer {layer}, mean over {cells.Count} tasks of {ctx.Counts.Eval} held-out prompts each");
Console.WriteLine($"{"method",-24} {"loss",6} {"accuracy",9}");
foreach (var m in Methods.All.Append(Mine).Where(m => cells.All(c => c.Methods.ContainsKey(m))))
    Console.WriteLine($"{m,-24} {cells.Average(c => c.Methods[m].Loss),6:F2} {cells.Average(c => c.Methods[m].Accuracy) * 100,8:F0}%");
