using NeuroLab.Web.Viewer;

namespace NeuroLab.Web.Tests.Viewer;

/// <summary>The viewer's shareable link: what it writes reads back the same, and bad values are dropped with a note.</summary>
public sealed class ViewerLinkTests
{
    private static readonly Guid Workspace = Guid.Parse("11111111-2222-3333-4444-555555555555");

    [Fact]
    public void Format_ThenParse_RoundTripsCrosshairViewAndColouring()
    {
        var state = new ViewerState([-38, -22.5, 56.125], "axial", "file:a:b", "file:a:atlas",
            [new ViewerOverlayState("file:c:d", "hot", 2.75, 6, 1), new ViewerOverlayState("artifact:e", "cool", 0.1, 1, 0.5)]);

        var url = ViewerLink.Format(Workspace, state);

        Assert.Equal("w/11111111-2222-3333-4444-555555555555/viewer?background=file%3Aa%3Ab&overlay=file%3Ac%3Ad&atlas=file%3Aa%3Aatlas&mm=-38,-22.5,56.125&view=axial&thr=2.75&cmap=hot", url);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri("http://x/" + url).Query);
        Assert.Equal("file:c:d", query["overlay"].ToString());
        var parsed = ViewerLink.Parse(query["mm"], query["view"], query["thr"], query["cmap"]);
        Assert.Equal([-38, -22.5, 56.125], parsed.Mm!);
        Assert.Equal("axial", parsed.View);
        Assert.Equal(2.75, parsed.Threshold);
        Assert.Equal("hot", parsed.Colormap);
        Assert.Empty(parsed.Notes);
    }

    [Fact]
    public void Format_DefaultView_NoOverlay_NoCrosshair_LeavesThemOut()
    {
        var url = ViewerLink.Format(Workspace, new ViewerState(null, "multiplanar", "file:a:b", null, []));
        Assert.Equal("w/11111111-2222-3333-4444-555555555555/viewer?background=file%3Aa%3Ab", url);
    }

    [Theory]
    [InlineData("1,2", null, null, null, "crosshair")]
    [InlineData("1,2,abc", null, null, null, "crosshair")]
    [InlineData("NaN,0,0", null, null, null, "crosshair")]
    [InlineData("1e308,0,0", null, null, null, "crosshair")]
    [InlineData(null, "sideways", null, null, "view")]
    [InlineData(null, null, "high", null, "threshold")]
    [InlineData(null, null, "Infinity", null, "threshold")]
    [InlineData(null, null, null, "<script>", "colormap")]
    public void Parse_BadValue_IsDroppedWithANote_NeverThrows(string? mm, string? view, string? thr, string? cmap, string noteMentions)
    {
        var parsed = ViewerLink.Parse(mm, view, thr, cmap);
        Assert.Null(parsed.Mm);
        Assert.Null(parsed.View);
        Assert.Null(parsed.Threshold);
        Assert.Null(parsed.Colormap);
        Assert.Contains(noteMentions, Assert.Single(parsed.Notes), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SpacesAndCase_AreAccepted()
    {
        var parsed = ViewerLink.Parse(" -38 -22 56 ", "Coronal", "-1.5e-1", "HOT");
        Assert.Equal([-38, -22, 56], parsed.Mm!);
        Assert.Equal("coronal", parsed.View);
        Assert.Equal(-0.15, parsed.Threshold);
        Assert.Equal("hot", parsed.Colormap);
    }
}
