using NativeTV.Sae;
using NativeTV.Kernels;
using NativeTV.Transformer.Model;
using NativeTV.TaskVectors;

namespace NativeTV.TaskVectors.Cleaning;

/// <summary>
/// Objective task specificity (ORGANISM.md): a feature's mean activation at the final separator of one
/// task's ICL prompts divided by the sum of those means over all tasks (chance = 1 / tasks). Detector
/// features are scored the same way at the positions they are read at (the outputs' last tokens). It is measured
/// against the tasks of the run, so it says whether cleaning kept features specific to one of them (on the organism,
/// whose tasks are known exactly, against the whole task set). The pipeline measures it on prompts that built no
/// vector (<see cref="SpecificityPrompts"/>), not on the task vectors' own.
/// </summary>
public sealed class TaskSpecificity
{
    /// <summary>Mean activation [task, feature].</summary>
    public float[][] MeanActivation { get; }
    public IReadOnlyList<string> Tasks { get; }

    private TaskSpecificity(IReadOnlyList<string> tasks, float[][] mean) { Tasks = tasks; MeanActivation = mean; }

    public static TaskSpecificity Measure(TransformerModel m, DeviceSae sae, int layer, IReadOnlyList<(string Task, IReadOnlyList<Prompt> Icl)> tasks, Func<Prompt, IEnumerable<int>>? at = null)
    {
        var be = m.Backend;
        var mean = new float[tasks.Count][];
        for (int t = 0; t < tasks.Count; t++)
        {
            var x = TaskVectorExtractor.Rows(m, tasks[t].Icl, layer, at);
            var xm = be.UploadMat(x, x.Length / sae.Sae.DIn, sae.Sae.DIn);
            var f = be.AllocMat(xm.Rows, sae.Sae.DSae);
            using (xm.Buf) using (f.Buf)
            {
                sae.Encode(xm, f, f);
                var sums = be.Alloc(sae.Sae.DSae);
                using (sums) { be.ColumnSums(f, sums, accumulate: false); mean[t] = be.Download(sums).Select(s => s / xm.Rows).ToArray(); }
            }
        }
        return new TaskSpecificity(tasks.Select(x => x.Task).ToList(), mean);
    }

    /// <summary>Specificity of every feature for task <paramref name="task"/> (0 where a feature never fires).</summary>
    public double[] Of(string task)
    {
        int t = Tasks.ToList().IndexOf(task);
        if (t < 0) throw new ArgumentException($"task {task} was not measured");
        return MeanActivation[t].Select((a, f) =>
        {
            double total = MeanActivation.Sum(row => (double)row[f]);
            return total > 0 ? a / total : 0.0;
        }).ToArray();
    }

    /// <summary>A vector's specificity: its features' specificities weighted by |coefficient|.</summary>
    public double Weighted(string task, IEnumerable<(int Id, float Weight)> features)
    {
        var s = Of(task);
        var fs = features.ToList();
        double w = fs.Sum(f => Math.Abs(f.Weight));
        return w > 0 ? fs.Sum(f => Math.Abs(f.Weight) * s[f.Id]) / w : double.NaN;
    }
}
