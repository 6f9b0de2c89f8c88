using System.Text.Json;
using NativeTV.Transformer.Checkpoints;
using NativeTV.Transformer.Model;

namespace NativeTV.Transformer.Organism;

/// <summary>
/// Writes a trained organism as a Hugging Face Phi-3 folder (config.json, model.safetensors without
/// lm_head.weight), plus its tokenizer.json, its task files (tasks/*.json, function_vectors format with
/// the split per pair) and corpus.jsonl: a sample of its training mixture, one sequence per line as
/// {"text": ...} (sequences contain newlines), for SAE training and max-activating examples.
/// </summary>
public static class OrganismFolder
{
    public const string TasksDir = "tasks", Corpus = "corpus.jsonl";

    /// <summary>Writes the folder; <paramref name="config"/> other than the organism's is for tests (smaller models over the same vocabulary).</summary>
    public static void Write(string dir, IReadOnlyList<(string Name, long[] Shape, float[] Values)> tensors, int seed, int corpusSequences = 8000, ModelConfig? config = null)
    {
        CheckpointWriter.Write(dir, config ?? OrganismModel.Config, tensors);
        var tokenizer = new OrganismTokenizer();
        tokenizer.Save(Path.Combine(dir, "tokenizer.json"));
        OrganismTaskFiles.Write(Path.Combine(dir, TasksDir));
        // A different stream from training's (seed + 1): the same distribution, not the same sequences.
        var sampler = new OrganismSampler(seed + 1);
        var lines = Enumerable.Range(0, (corpusSequences + 999) / 1000).SelectMany(b => sampler.Batch(b, 1000))
            .Take(corpusSequences).Select(s => JsonSerializer.Serialize(new { text = tokenizer.Decode(s.Ids.Skip(1)) }));
        AtomicFile.WriteAllLines(Path.Combine(dir, Corpus), lines);
    }
}
