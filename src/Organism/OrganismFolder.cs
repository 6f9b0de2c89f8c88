using System.Text.Json;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;
using NativeTV.Transformer.Files;
using NativeTV.TaskVectors;

namespace NativeTV.Organism;

/// <summary>
/// Writes a trained organism as a Hugging Face Phi-3 folder (config.json, model.safetensors without
/// lm_head.weight), plus its tokenizer.json, its task files (tasks/*.json, function_vectors format with
/// the split per pair) and corpus.jsonl: a sample of its training mixture, one sequence per line as
/// {"text": ...} (sequences contain newlines), for SAE training and max-activating examples; and the
/// <see cref="ModelManifest"/> that makes these the pipeline's defaults for it.
/// </summary>
public static class OrganismFolder
{
    public const string TasksDir = "tasks", Corpus = "corpus.jsonl";

    /// <summary>Where the repository commits the trained organism.</summary>
    public const string RelativePath = "weights/organism";

    /// <summary>
    /// The committed organism: <see cref="RelativePath"/> under the first of <paramref name="starts"/> or a folder above it
    /// that holds one (a program run from anywhere inside the repository, or built into it, finds it).
    /// </summary>
    public static string Find(params string[] starts)
    {
        foreach (var start in starts)
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(Path.Combine(candidate, "config.json"))) return candidate;
            }
        throw new FileNotFoundException($"no model given and the built-in organism ({RelativePath}) was not found here or above; " +
            $"give a model folder, or train it: nativetv organism train --out {RelativePath}");
    }

    /// <summary>
    /// The organism's pipeline defaults: no prefix (its sequences start with the first pair), 8 shots (it was trained on
    /// 10-pair sequences, so METHOD.md's 19 would be out of its distribution), a detector example of its own punctuation,
    /// its SAEs at sae-l{layer}, its corpus, its task files, and ORGANISM.md's cleaning recipe (METHOD.md's L1 0.05 and
    /// lr 0.01 end worse than the task vector on antonym_B and successor_B: the loss rises from the first step) with L1
    /// 0.01 rather than 0.03, chosen by the loss-L0 trade-off (`clean --l1`, README "clean"), and a detector recipe,
    /// lr 0.2 for 80 steps, that reaches METHOD.md §7's 1000-step objective on every task within 59 (README, features).
    /// </summary>
    public static readonly ModelManifest Manifest = new()
    {
        Shots = 8, Prefix = "", DetectorExample = [",", ","], Sae = "sae-l{layer}", Corpus = Corpus, Tasks = TasksDir,
        Cleaning = new CleaningDefaults(L1: 0.01f, Lr: 0.05f, Steps: 200), DetectorCleaning = new CleaningDefaults(Lr: 0.2f, Steps: 80), MeanExcludes = ["singular"],
    };

    /// <summary>Writes the folder; <paramref name="config"/> other than the organism's is for tests (smaller models over the same vocabulary).</summary>
    public static void Write(string dir, IReadOnlyList<(string Name, long[] Shape, float[] Values)> tensors, int seed, int corpusSequences = 8000, ModelConfig? config = null)
    {
        CheckpointWriter.Write(dir, config ?? OrganismModel.Config, tensors);
        var tokenizer = OrganismWorld.Tokenizer();
        tokenizer.Save(Path.Combine(dir, "tokenizer.json"));
        OrganismTaskFiles.Write(Path.Combine(dir, TasksDir));
        Manifest.Write(Path.Combine(dir, ModelManifest.FileName));
        // A different stream from training's (seed + 1): the same distribution, not the same sequences.
        var sampler = new OrganismSampler(seed + 1);
        var lines = Enumerable.Range(0, (corpusSequences + 999) / 1000).SelectMany(b => sampler.Batch(b, 1000))
            .Take(corpusSequences).Select(s => JsonSerializer.Serialize(new { text = tokenizer.Decode(s.Ids.Skip(1)) }));
        AtomicFile.WriteAllLines(Path.Combine(dir, Corpus), lines);
    }
}
