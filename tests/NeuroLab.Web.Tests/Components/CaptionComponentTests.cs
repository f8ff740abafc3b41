using Bunit;
using NeuroLab.Analysis.Captions;
using NeuroLab.Compute.Captions;
using NeuroLab.Compute.RunKinds.EncodingRidge;
using NeuroLab.Compute.RunKinds.EncodingReadout;
using NeuroLab.Compute.RunKinds.VoxelCaptions;
using NeuroLab.Web.Captions;
using NeuroLab.Web.Components.Captions;
using NeuroLab.Web.Components.Viewer;
using NeuroLab.Web.Viewer;

namespace NeuroLab.Web.Tests.Components;

public sealed class CaptionComponentTests : MudComponentTest
{
    private static UnitCaption Caption(int unit, string text, params string[] keywords) =>
        new(unit, 0.3, text, [.. keywords.Select(k => new KeywordScore(k, 1, 0.5, 1.4, 3, 10))], [], [], 0.2, null);

    private static CaptionRun Run() => new(Guid.NewGuid(), Guid.NewGuid(),
    [
        Caption(0, "Prefers face and human.", "face", "human"),
        Caption(1, "Prefers house.", "house", "face"),
        Caption(2, "Prefers faces of animals.", "faces", "animals"),
    ]);

    [Fact]
    public void CaptionTable_SearchFiltersByCaptionWords_NotHiddenKeywords()
    {
        var run = Run();
        var cut = Render<CaptionTable>(p => p.Add(x => x.Run, run).Add(x => x.WorkspaceId, Guid.NewGuid()));
        Assert.Equal(3, cut.FindAll("[data-testid=caption-row]").Count);
        Assert.Empty(cut.FindAll("[data-testid=caption-show-in-viewer]"));
        // "face" is the start of "face" and "faces" in captions 0 and 2; caption 1 only has it among its keywords.
        Assert.Equal([0, 2], run.Search("face").Select(c => c.Unit));
        Assert.Equal([0], run.Search("face human").Select(c => c.Unit));
        Assert.Equal(3, run.Search("  ").Count);
    }

    [Fact]
    public void CaptionTable_ViewerLinkCarriesTheQuery()
    {
        var run = Run();
        var cut = Render<CaptionTable>(p => p.Add(x => x.Run, run).Add(x => x.WorkspaceId, Guid.NewGuid()).Add(x => x.ViewerHref, q => $"viewer?q={q}"));
        Assert.Equal("viewer?q=", cut.Find("[data-testid=caption-show-in-viewer]").GetAttribute("href"));
    }

    [Fact]
    public void BrainViewer_SendsVolumesAndViewToTheModule()
    {
        var module = JSInterop.SetupModule("./assets/brainviewer.js");
        module.Setup<int>("create", _ => true).SetResult(7);
        module.Setup<ViewerTiming>("setVolumes", _ => true).SetResult(new ViewerTiming(900, 400, 300, 1));
        module.SetupVoid("setView", _ => true).SetVoidResult();
        ViewerTiming? ready = null;
        var volumes = new[] { new ViewerVolume("api/v1/datasets/d/files/f", "mni.nii.gz"), new ViewerVolume("api/v1/artifacts/a", "test_r.nii.gz", "warm", "winter", 0.1, 0.5, 0.8) };
        var cut = Render<BrainViewer>(p => p.Add(x => x.Volumes, volumes).Add(x => x.View, "mosaic").Add(x => x.OnReady, t => ready = t));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=brain-viewer]").GetAttribute("data-ready")));
        var sent = module.Invocations["setVolumes"].Single();
        Assert.Equal(7, sent.Arguments[0]);
        Assert.Same(volumes, sent.Arguments[1]);
        Assert.Equal("mosaic", module.Invocations["setView"].Single().Arguments[1]);
        Assert.Equal(900, ready!.SincePageStart);
        // Same volumes again: nothing is reloaded.
        cut.Render(p => p.Add(x => x.Volumes, volumes).Add(x => x.View, "mosaic"));
        Assert.Single(module.Invocations["setVolumes"]);
    }
}
