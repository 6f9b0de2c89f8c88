// The whole method on the organism, step by step, like a notebook: prompts, task vectors by layer, SAE reconstruction,
// gradient pursuit, cleaning, single-feature steering. Each step prints its table and writes its figure (PNG and SVG)
// into runs/examples/tour.   dotnet run examples/tour.cs [MODEL_DIR] [LAYER]
#:project ../src/Organism/NativeTV.Organism.csproj
#:property Configuration=Release
using NativeTV.Organism;
using NativeTV.Sae;
using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.TaskVectors.Experiments;
using NativeTV.TaskVectors.Runs;

using var ctx = Script.Open(args);
int layer = Script.Layer(args);
string outDir = Script.Out("tour");
string caption = ctx.Caption(layer);
string Fig(string name) => Path.Combine(outDir, name);

// 1. Prompts. A few-shot (ICL) prompt demonstrates the task; a zero-shot prompt has only the query. Both end in " ->".
var first = ctx.Prompts[0];
Console.WriteLine($"## 1. prompts of {first.Task.Name}\nfew-shot:  {ctx.Tokenizer.Decode(first.Icl[0].Ids)}\nzero-shot: {ctx.Tokenizer.Decode(first.Eval[0].Ids)}");

// 2. Task vectors: the mean resid_pre[L] over every " ->" of the few-shot prompts, added to zero-shot prompts at each layer.
int[] layers = Enumerable.Range(0, ctx.Model.Config.Layers + 1).ToArray();
Console.WriteLine("\n## 2. zero-shot loss with the task vector added, by layer\n" + $"{"task",-14} {"none",6} " + string.Join(" ", layers.Select(L => $"{"L" + L,6}")));
var byLayer = ctx.Prompts.Select(t =>
{
    var tvs = TaskVectorExtractor.Mean(ctx.Model, t.Icl, layers, lastOnly: false);
    var loss = layers.Select(L => ctx.Score(t.Eval, new Steer(L, tvs[L])).Nll).ToArray();
    Console.WriteLine($"{t.Task.Name,-14} {ctx.Score(t.Eval).Nll,6:F2} " + string.Join(" ", loss.Select(x => $"{x,6:F2}")));
    return (Name: t.Task.Name, X: layers.Select(L => (double)L).ToArray(), Y: loss, Lo: (double[]?)null, Hi: (double[]?)null);
}).ToList();
Figures.Lines(Fig("tv_by_layer"), "Zero-shot loss with the task vector", ctx.Caption(layer), "layer", "loss", byLayer);

// 3-5. At one layer: the SAE's reconstruction of the task vector, gradient pursuit (k = 20 features), and cleaning.
var sae = ctx.Sae(layer);
var options = Script.Cleaning(ctx);
Console.WriteLine($"\n## 3-5. layer {layer}: loss (L0) of the task vector and its sparse versions\n{"task",-14} {"tv",6} {"sae",12} {"pursuit",12} {"cleaned",12}");
var cleaned = new List<(TaskPrompts Task, CleaningResult Result)>();
var rows = ctx.Prompts.Select(t =>
{
    var tv = ctx.TaskVector(t, layer);
    var (recon, f) = sae.Reconstruct(tv);
    var (pursued, coeffs) = sae.Pursue(tv, new PursuitOptions(Math.Min(20, sae.Sae.DSae)));
    var r = TaskVectorCleaner.Clean(ctx.Model, sae, layer, PromptBatch.Of(t.Clean, ctx.NFirst, ctx.Model.Config.PadTokenId), tv, options);
    cleaned.Add((t, r));
    double[] loss = [.. new[] { tv, recon, pursued, r.Vector }.Select(v => ctx.Score(t.Eval, new Steer(layer, v)).Nll)];
    int[] l0 = [f.Count(x => x != 0), coeffs.Count(x => x != 0), r.Features.Count];
    Console.WriteLine($"{t.Task.Name,-14} {loss[0],6:F2} " + string.Join(" ", l0.Select((n, i) => $"{loss[i + 1],6:F2} ({n,3})")));
    return loss;
}).ToList();
string[] names = ["task vector", "SAE reconstruction", "gradient pursuit", "cleaned"];
Figures.GroupedBars(Fig("methods"), $"Zero-shot loss at layer {layer}", caption, "loss", [.. ctx.Prompts.Select(t => t.Task.Name)],
    [.. names.Select((n, i) => (n, rows.Select(r => r[i]).ToArray()))]);

// Cleaning's curve for the first task: the loss falls while the L1 penalty prunes features (L0 on the second line).
var curve = cleaned[0].Result.Curve;
Figures.Lines(Fig("cleaning_curve"), $"Cleaning {cleaned[0].Task.Task.Name}", caption, "step", "loss / L0 / 10",
    [("loss", [.. curve.Select(s => (double)s.Step)], [.. curve.Select(s => s.Loss)], null, null),
     ("L0 / 10", [.. curve.Select(s => (double)s.Step)], [.. curve.Select(s => s.L0 / 10.0)], null, null)]);

// 6. Single-feature steering: each cleaned feature's unit decoder direction x 20, alone, on every task's zero-shot prompts.
int[] features = [.. cleaned.SelectMany(c => c.Result.Features.Take(3).Select(f => f.Id)).Distinct()];
var matrix = FeatureSteeringMatrix.Measure(ctx.Model, sae.Sae, layer, [.. ctx.Prompts.Select(t => (t.Task.Name, t.Eval))], features, 20f, ctx.NFirst);
Console.WriteLine($"\n## 6. the feature that helps each task most, steered alone (relative loss change)");
for (int t = 0; t < matrix.Tasks.Length; t++)
{
    int j = Enumerable.Range(0, features.Length).MinBy(j => matrix.RelativeChange[t, j]);
    Console.WriteLine($"{matrix.Tasks[t],-14} feature {matrix.Features[j],5} {matrix.RelativeChange[t, j] * 100,7:F1}%");
}
Figures.Heatmap(Fig("feature_steering"), "Single-feature steering", caption, matrix.Tasks, [.. matrix.Features.Select(f => f.ToString())],
    matrix.RelativeChange, "relative loss change", (-1, 1));
Console.WriteLine($"\ntour done: figures in {outDir}");
