using NativeTV.Sae.Formats;
using NativeTV.Transformer.Checkpoints;

namespace NativeTV.Tests.Sae;

/// <summary>An SAE's recorded layer is read without overflow and checked against the layer it is used at; bad weights name the file.</summary>
public class SaeLayerTests
{
    private const string Case = "saelens_standard"; // records blocks.2.hook_resid_pre, layer 2

    [Test]
    public void HookLayerTooLargeForAnInt()
    {
        var dir = SaeFormatTests.CopyCase(Case);
        SaeFormatTests.EditCfg(dir, o => { o["metadata"]!["hook_name"] = "blocks.999999999999.hook_resid_pre"; o["metadata"]!.AsObject().Remove("hook_layer"); });
        var e = Assert.Throws<CheckpointException>(() => SaeLoader.Load(dir))!;
        Assert.That(e.Message, Does.StartWith(Path.Combine(dir, "cfg.json")).And.Contain("layer number 999999999999"));
    }

    [Test]
    public void UsedAtItsOwnLayer() => Assert.That(SaeLoader.Load(Fixtures.Dir("sae", Case), 24, 2).HookLayer, Is.EqualTo(2));

    [Test]
    public void UsedAtAnotherLayer()
    {
        var e = Assert.Throws<CheckpointException>(() => SaeLoader.Load(Fixtures.Dir("sae", Case), 24, 3))!;
        Assert.That(e.Message, Does.Contain("blocks.2.hook_resid_pre (resid_pre[2]) but is used at layer 3"));
    }

    [Test]
    public void ResidPostIsTheNextLayersResidPre()
    {
        var dir = SaeFormatTests.CopyCase(Case);
        SaeFormatTests.EditCfg(dir, o => o["metadata"]!["hook_name"] = "blocks.2.hook_resid_post");
        Assert.That(SaeLoader.Load(dir, 24, 3).HookName, Is.EqualTo("blocks.2.hook_resid_post"));
        Assert.Throws<CheckpointException>(() => SaeLoader.Load(dir, 24, 2));
    }

    [Test]
    public void NoRecordedLayerWarns()
    {
        var dir = SaeFormatTests.CopyCase(Case);
        SaeFormatTests.EditCfg(dir, o => { o["metadata"]!["hook_name"] = "custom"; o["metadata"]!.AsObject().Remove("hook_layer"); });
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try { SaeLoader.Load(dir, 24, 5); }
        finally { Console.SetError(old); }
        Assert.That(err.ToString(), Does.StartWith($"warning: {dir}: the SAE records no hook layer"));
    }

    [Test]
    public void NaNInWeights()
    {
        var dir = SaeFormatTests.CopyCase(Case);
        SaeFormatTests.RewriteWeights(dir, w => { w["b_dec"].Values[3] = float.NaN; return w; });
        var e = Assert.Throws<CheckpointException>(() => SaeLoader.Load(dir))!;
        Assert.That(e.Message, Is.EqualTo($"{Path.Combine(dir, "sae_weights.safetensors")}: tensor 'b_dec' holds NaN at element 3 (a diverged or corrupt file)"));
    }
}
