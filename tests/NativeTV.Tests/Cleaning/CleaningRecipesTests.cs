using NativeTV.Host.Cli;
using NativeTV.Organism;
using NativeTV.TaskVectors;
using NativeTV.TaskVectors.Cleaning;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Tests.Cleaning;

/// <summary>Where cleaning settings come from: a manifest's values over METHOD.md's, for task vectors and detectors alike.</summary>
public class CleaningRecipesTests
{
    private static ModelManifest Manifest(string json)
    {
        string dir = Fixtures.TempDir();
        File.WriteAllText(Path.Combine(dir, ModelManifest.FileName), json);
        return ModelManifest.Read(dir);
    }

    [Test]
    public void TheDetectorRecipeTakesTheManifestsValuesOverMethodMds()
    {
        var m = Manifest("""{"cleaning": {"l1": 0.03}, "detector_cleaning": {"lr": 0.2, "steps": 80}}""");
        Assert.That(CleaningRecipes.DetectorsOf(m), Is.EqualTo(new CleaningOptions(L1: 5e-4f, Lr: 0.2f, Steps: 80, Patience: 200)));
        Assert.That(CleaningRecipes.Of(m), Is.EqualTo(CleaningRecipes.Authors with { L1 = 0.03f }));
        var none = Manifest("{}");
        Assert.That((CleaningRecipes.DetectorsOf(none), CleaningRecipes.Of(none)), Is.EqualTo((CleaningRecipes.Detectors, CleaningRecipes.Authors)));
    }

    [Test]
    public void TheCommittedOrganismCarriesTheRecipesItsFolderWriterGives()
    {
        var committed = ModelManifest.Read(BuiltInModel.Path);
        Assert.That(CleaningRecipes.DetectorsOf(committed), Is.EqualTo(CleaningRecipes.DetectorsOf(OrganismFolder.Manifest)));
        Assert.That(CleaningRecipes.Of(committed), Is.EqualTo(CleaningRecipes.Of(OrganismFolder.Manifest)));
        Assert.That(CleaningRecipes.DetectorsOf(committed), Is.Not.EqualTo(CleaningRecipes.Detectors));
    }

    [Test]
    public void AnUnknownRecipeFieldIsRefusedNamingTheFile()
    {
        var e = Assert.Throws<CheckpointException>(() => Manifest("""{"detector_cleaning": {"rate": 0.1}}"""));
        Assert.That(e!.Message, Does.Contain(ModelManifest.FileName).And.Contain("rate"));
    }
}
