using NativeTV.Organism;
using NativeTV.TaskVectors;

namespace NativeTV.Tests.TaskVectors;

/// <summary>Specificity is read on ICL prompts that share no prompt, and on the organism no word, with those that built the task vector.</summary>
public class SpecificityPromptsTests
{
    private static readonly PromptBuilder Builder = new(OrganismWorld.Tokenizer(), OrganismFolder.Manifest.Prompts());

    /// <summary>The input words of a prompt: on the organism every word is one token, the one before each separator.</summary>
    private static IEnumerable<int> Inputs(Prompt p) => p.Separators.Select(s => p.Ids[s - 1]);

    [Test]
    public void OnTheOrganismNoPromptAndNoWordIsTheTaskVectorsOwn()
    {
        foreach (var task in OrganismTasks.All())
        {
            var t = Builder.Build(task);
            var spec = SpecificityPrompts.Build(Builder, t, 16);
            Assert.That(spec, Has.Count.EqualTo(16));
            var vectorWords = t.Icl.Concat(t.Corrupted).SelectMany(Inputs).ToHashSet();
            Assert.That(spec.SelectMany(Inputs).Where(vectorWords.Contains), Is.Empty, $"{task.Name}: a word of the task vector's prompts");
            // Queries are evaluation queries, each once while there are enough of them; every prompt has the shots.
            var evalWords = t.Eval.Select(p => p.Ids[^2]).ToHashSet();
            Assert.That(spec.Select(p => p.Ids[^2]), Is.All.Matches<int>(evalWords.Contains));
            Assert.That(spec.Select(p => p.Ids[^2]), Is.Unique);
            Assert.That(spec.Select(p => p.Separators.Length), Is.All.EqualTo(Builder.Options.Shots + 1));
            Assert.That(spec.Select(p => Inputs(p).Distinct().Count()), Is.All.EqualTo(Builder.Options.Shots + 1), "no word twice in a prompt");
            Assert.That(SpecificityPrompts.Build(Builder, t, 16).Select(p => p.Ids), Is.EqualTo(spec.Select(p => p.Ids)), "deterministic under the seed");
        }
    }

    [Test]
    public void WithFewHeldOutInputsTheQueriesStillDifferAndDemonstrationsTopUpFromThePool()
    {
        // shots + 3 inputs: one evaluation and one cleaning query, the rest the pool.
        var antonym = OrganismTasks.All().Single(x => x.Name == "antonym");
        var few = new IclTask("few", antonym.UsablePairs().Take(Builder.Options.Shots + 3).Select(i => antonym.Pairs[i]).ToList(), "test");
        var t = Builder.Build(few);
        Assert.That((t.EvalPairs.Count, t.CleanPairs.Count), Is.EqualTo((1, 1)));
        var spec = SpecificityPrompts.Build(Builder, t, 16);
        var vectorPrompts = t.Icl.Concat(t.Corrupted).Select(p => string.Join(",", p.Ids)).ToHashSet();
        Assert.That(spec.Select(p => string.Join(",", p.Ids)).Where(vectorPrompts.Contains), Is.Empty, "a prompt of the task vector's");
        int evalQuery = t.Eval[0].Ids[^2], cleanWord = t.Clean[0].Ids[^2];
        Assert.That(spec.Select(p => p.Ids[^2]), Is.All.EqualTo(evalQuery));
        Assert.That(spec.Select(p => Inputs(p).Contains(cleanWord)), Is.All.True, "cleaning inputs come before the pool's");
    }
}
