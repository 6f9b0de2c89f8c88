// A custom hook during the forward: ablate one SAE feature at resid_pre[LAYER] (subtract its activation times its decoder
// row at every " ->" of the few-shot prompts) and watch the few-shot loss, against ablating a feature the task does not use.
//   dotnet run examples/hook.cs [MODEL_DIR] [LAYER]      (default: the organism at layer 2)
#:project ../src/Organism/NativeTV.Organism.csproj
#:property Configuration=Release
using NativeTV.Organism;
using NativeTV.Sae;
using NativeTV.TaskVectors;
using NativeTV.Transformer.Model;

using var ctx = Script.Open(args);
int layer = Script.Layer(args);
var sae = ctx.Sae(layer);
var key = new HookKey(HookPoint.ResidPre, layer);
int d = ctx.Model.Config.HiddenSize;

// The hook: read the residual at the separators (a first forward), encode each row, and add -act_f(x) W_dec[f] there.
HookAdd[] Ablate(PromptBatch pb, IReadOnlyList<Prompt> prompts, int feature)
{
    var rows = prompts.SelectMany((p, b) => p.Separators.Select(t => pb.Tokens.Row(b, t))).ToArray();
    var x = ctx.Model.Forward(new ForwardRequest { Tokens = pb.Tokens, Reads = [new HookRead(key, rows)] }).Reads[key];
    var decoderRow = sae.Sae.WDec.AsSpan(feature * d, d).ToArray();
    return rows.Select((r, i) =>
    {
        float act = sae.Reconstruct(x.AsSpan(i * d, d).ToArray()).Features[feature];
        return new HookAdd(key, [r], decoderRow, Scale: -act);
    }).ToArray();
}

Console.WriteLine($"layer {layer}: few-shot loss with one feature ablated at every separator");
Console.WriteLine($"{"task",-14} {"feature",8} {"none",6} {"ablated",8} {"unused",7} {"ablated",8}");
foreach (var t in ctx.Prompts)
{
    var (_, f) = sae.Reconstruct(ctx.TaskVector(t, layer));
    int top = Array.IndexOf(f, f.Max()), unused = Array.IndexOf(f, 0f);
    double Loss(int feature) => ScoreSummary.Of(PromptScorer.ScoreWith(ctx.Model, t.Icl, (pb, prompts) => Ablate(pb, prompts, feature), ctx.NFirst)).Nll;
    Console.WriteLine($"{t.Task.Name,-14} {top,8} {ctx.Score(t.Icl).Nll,6:F2} {Loss(top),8:F2} {unused,7} {Loss(unused),8:F2}");
}
