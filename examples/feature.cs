// One SAE feature on its own: its unit decoder direction (x 20, METHOD.md §7) added alone at the last " ->" of every
// task's zero-shot prompts, as the relative loss change per task, and the corpus tokens it fires on most.
//   dotnet run examples/feature.cs [MODEL_DIR] [LAYER] [FEATURE]
// Default: the organism at layer 2, the feature the SAE encoder activates most on the first task's task vector.
#:project ../src/Organism/NativeTV.Organism.csproj
#:property Configuration=Release
using NativeTV.Organism;
using NativeTV.Sae;
using NativeTV.TaskVectors.Experiments;

using var ctx = Script.Open(args);
int layer = Script.Layer(args);
var sae = ctx.Sae(layer);
var (_, f) = sae.Reconstruct(ctx.TaskVector(ctx.Prompts[0], layer));
int feature = args.Length > 2 ? int.Parse(args[2]) : Array.IndexOf(f, f.Max());

var m = FeatureSteeringMatrix.Measure(ctx.Model, sae.Sae, layer, ctx.Prompts.Select(t => (t.Task.Name, t.Eval)).ToList(), [feature], scale: 20f, ctx.NFirst);
Console.WriteLine($"feature {feature} at layer {layer}, steered alone: relative loss change (negative helps)");
for (int t = 0; t < m.Tasks.Length; t++) Console.WriteLine($"  {m.Tasks[t],-14} {m.RelativeChange[t, 0] * 100,7:F1}%");

// Top activating tokens: the corpus streamed through the model, the feature read at every token ([x] marks where it fired).
string corpus = ctx.Corpus(null) ?? throw new ArgumentException($"{ctx.ModelDir} names no corpus in its nativetv.json");
var top = MaxActivations.Collect(ctx.Model, sae, ctx.Tokenizer, corpus, layer, [feature], new MaxActOptions(Top: 5, MaxContexts: Script.Quick ? 32 : 2000));
Console.WriteLine($"top activating tokens ({top.Contexts} contexts):");
foreach (var e in top.Features[0].Examples)
    Console.WriteLine($"  {e.Activation,6:F2}  " + string.Join(" ", e.Tokens.Select((s, i) => i == e.Target ? $"[{s}]" : s)).ReplaceLineEndings("\\n"));
