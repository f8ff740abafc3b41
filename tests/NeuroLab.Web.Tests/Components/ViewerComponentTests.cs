using Bunit;
using NeuroLab.Data.Datasets;
using NeuroLab.Web.Components.Viewer;
using NeuroLab.Web.Viewer;

namespace NeuroLab.Web.Tests.Components;

/// <summary>The viewer page's panels, each given its data through parameters.</summary>
public sealed class ViewerComponentTests : MudComponentTest
{
    private static readonly Guid RunId = Guid.Parse("0b1c2d3e-0000-0000-0000-000000000001");

    private static ViewerItem Map(DatasetSpace space = DatasetSpace.Mni152, string? mapName = null) =>
        new("file:d:f", "spmMotor.nii.gz (example maps)", "api/v1/datasets/d/files/f", "spmMotor.nii.gz", new string('a', 64), space, Guid.NewGuid(), "example maps",
            mapName is null ? ViewerItemKind.Map : ViewerItemKind.RunMap, mapName is null ? null : RunId, mapName);

    [Fact]
    public void CrosshairReadout_TypedCoordinates_RaisesGotoInMm()
    {
        double[]? target = null;
        var cut = Render<CrosshairReadout>(p => p.Add(x => x.Ready, true).Add(x => x.OnGoto, mm => target = mm));
        cut.Find("input").Input("-38, -22 56");
        cut.Find("[data-testid=viewer-goto-button]").Click();
        Assert.Equal([-38.0, -22.0, 56.0], Assert.IsType<double[]>(target));
        Assert.Empty(cut.FindAll("[data-testid=viewer-goto-error]"));
    }

    [Fact]
    public void CrosshairReadout_TwoNumbers_ShowsErrorAndDoesNotMove()
    {
        double[]? target = null;
        var cut = Render<CrosshairReadout>(p => p.Add(x => x.Ready, true).Add(x => x.OnGoto, mm => target = mm));
        cut.Find("input").Input("40, 22");
        cut.Find("[data-testid=viewer-goto-button]").Click();
        Assert.Null(target);
        Assert.Contains("three numbers", cut.Find("[data-testid=viewer-goto-error]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void CrosshairReadout_Rows_ShowValueNameVoxelAndRegion()
    {
        ReadoutRow[] rows =
        [
            new("preferred_category · run 0b1c2d3e", new VoxelSample([4, 3, 4], true, 7), "shoe"),
            new("test_r · run 0b1c2d3e", new VoxelSample([40, 3, 4], false, double.NaN), null),
        ];
        var cut = Render<CrosshairReadout>(p => p.Add(x => x.Mm, [-37.5, -37.5, -12.5]).Add(x => x.Rows, rows).Add(x => x.ShowRegion, true).Add(x => x.Region, "Postcentral_L"));
        Assert.Equal("-37.5, -37.5, -12.5", cut.Find("[data-testid=readout-mm]").TextContent);
        var shown = cut.FindAll("[data-testid=readout-row]");
        Assert.Contains("7 (shoe) at voxel (4, 3, 4)", shown[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("outside this volume", shown[1].TextContent, StringComparison.Ordinal);
        Assert.Equal("Postcentral_L", cut.Find("[data-testid=viewer-region]").TextContent);
    }

    [Fact]
    public void OverlayPanel_RemoveClicked_RaisesOnRemove_SignedExplainsNegativeColours()
    {
        var removed = false;
        var overlay = new ViewerOverlay(Map()) { Signed = true };
        var cut = Render<OverlayPanel>(p => p.Add(x => x.Overlay, overlay).Add(x => x.OnRemove, () => removed = true));
        Assert.Contains("Negative values in winter", cut.Markup, StringComparison.Ordinal);
        cut.Find("button[aria-label='Remove overlay']").Click();
        Assert.True(removed);
    }

    [Fact]
    public void VoxelUnitPanel_Caption_LinksToItsEvidenceAndTheUnitPage()
    {
        var workspace = Guid.NewGuid();
        var captionRun = Guid.NewGuid();
        var cut = Render<VoxelUnitPanel>(p => p.Add(x => x.WorkspaceId, workspace).Add(x => x.Unit, new RunUnit(RunId, 12, [4, 3, 4]))
            .Add(x => x.Values, [("test_r", 0.25)]).Add(x => x.Caption, "Prefers scissors.").Add(x => x.CaptionRunId, captionRun));
        Assert.Equal("Prefers scissors.", cut.Find("[data-testid=viewer-unit-caption]").TextContent);
        Assert.Equal($"w/{workspace}/runs/{captionRun}/captions/12", cut.Find("[data-testid=viewer-caption-link]").GetAttribute("href"));
        Assert.Equal($"w/{workspace}/runs/{RunId}/units/12", cut.Find("[data-testid=viewer-unit-link]").GetAttribute("href"));
        Assert.Empty(cut.FindAll("[data-testid=viewer-unit-top]"));
    }

    [Fact]
    public void ViewerOverlay_FromStats_SignedMap_WarmAroundAQuarterOfTheTop()
    {
        // Closed form: top = p99(|v|) = 8, threshold = top / 4 = 2, both already two significant digits.
        var overlay = ViewerOverlay.FromStats(Map(), new VolumeStats(-5, 9, 8));
        Assert.True(overlay.Signed);
        Assert.Equal("warm", overlay.Colormap);
        Assert.Equal(8, overlay.Max);
        Assert.Equal(2, overlay.Threshold);
        Assert.Equal(new ViewerVolume("api/v1/datasets/d/files/f", "spmMotor.nii.gz", "warm", "winter", 2, 8, 1), overlay.ToVolume());
    }

    [Fact]
    public void SurfaceScene_SubjectSpaceOverlay_NoteInsteadOfProjection()
    {
        var surfaces = new SurfaceSet(Guid.NewGuid(), "fsaverage5",
        [
            new("pial", "left", "u/pl", "lh.pial.gii", "", true), new("pial", "right", "u/pr", "rh.pial.gii", "", true),
            new("white", "left", "u/wl", "lh.white.gii", "", true), new("white", "right", "u/wr", "rh.white.gii", "", true),
        ]);
        var scene = SurfaceScene.Build(Guid.NewGuid(), surfaces, "pial", SurfaceScene.OverlayLayer, new ViewerOverlay(Map(DatasetSpace.Subject, "test_r")));
        Assert.Equal(["u/pl", "u/pr"], scene.Meshes.Select(m => m.Url));
        Assert.All(scene.Meshes, m => Assert.Empty(m.Layers));
        Assert.Contains("only MNI152 maps can be projected onto fsaverage5", scene.Note, StringComparison.Ordinal);

        var projected = SurfaceScene.Build(Guid.NewGuid(), surfaces, "pial", SurfaceScene.OverlayLayer, new ViewerOverlay(Map()));
        Assert.Null(projected.Note);
        Assert.All(projected.Meshes, m => Assert.Contains("surface-overlay.gii?volume=file%3Ad%3Af", Assert.Single(m.Layers).Url, StringComparison.Ordinal));
    }
}
