using System.Text.Json;
using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>Two members in one workspace: presence on the viewer, following another member's viewer, and the share link.</summary>
public sealed class CoViewingTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static async Task<JsonElement> AddSampleAsync(IPage page, string workspace, string sample)
    {
        var response = await page.Context.APIRequest.PostAsync($"api/v1/workspaces/{workspace}/datasets", new APIRequestContextOptions { DataObject = new { sample } });
        Assert.Equal(201, response.Status);
        return await response.JsonAsync<JsonElement>();
    }

    [Fact]
    public async Task TwoMembers_SeeEachOther_FollowerTracksCrosshairAndView_ShareLinkRestoresIt()
    {
        var alice = await fixture.RegisterAsync("leader@lab.org");
        var bob = await fixture.RegisterAsync("follower@lab.org");
        var workspace = await BrowserFixture.CreateWorkspaceAsync(alice, "Co-viewing");
        Assert.Equal(201, (await alice.Context.APIRequest.PostAsync($"api/v1/workspaces/{workspace}/members",
            new APIRequestContextOptions { DataObject = new { email = "follower@lab.org", role = "viewer" } })).Status);
        await AddSampleAsync(alice, workspace, "mni152");
        var maps = await AddSampleAsync(alice, workspace, "example-maps");
        var datasetId = maps.GetProperty("dataset").GetProperty("id").GetString();
        var motor = maps.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("name").GetString()!.EndsWith("spmMotor.nii.gz", StringComparison.Ordinal));
        var viewer = $"w/{workspace}/viewer?overlay={Uri.EscapeDataString($"file:{datasetId}:{motor.GetProperty("id").GetString()}")}";

        // Presence: each sees the other on the viewer.
        await ViewerSteps.OpenAsync(alice, viewer);
        await ViewerSteps.OpenAsync(bob, viewer);
        await Assertions.Expect(bob.Locator("[data-testid=presence] [data-testid=presence-member][data-user='leader@lab.org']")).ToBeVisibleAsync();
        await Assertions.Expect(alice.Locator("[data-testid=presence] [data-testid=presence-member][data-user='follower@lab.org']")).ToBeVisibleAsync();
        await ViewerSteps.ShotAsync(bob, "60-coviewing-presence");

        // Bob follows Alice: her crosshair and view become his.
        await bob.ClickAsync("[data-testid=presence-follow][data-user='leader@lab.org']");
        await Assertions.Expect(bob.Locator("[data-testid=viewer-following]")).ToContainTextAsync("Following leader@lab.org");
        await ViewerSteps.GotoAsync(alice, "-38, -22, 56");
        await Assertions.Expect(alice.Locator("[data-testid=readout-mm]")).ToHaveTextAsync("-38, -22, 56");
        await Assertions.Expect(bob.Locator("[data-testid=readout-mm]")).ToHaveTextAsync("-38, -22, 56");
        await alice.ClickAsync("[data-testid=view-axial]");
        await Assertions.Expect(bob.Locator("[data-testid=brain-viewer]")).ToHaveAttributeAsync("data-view", "axial");
        await ViewerSteps.GotoAsync(alice, "40, -22, 56");
        await Assertions.Expect(bob.Locator("[data-testid=readout-mm]")).ToHaveTextAsync("40, -22, 56");
        await ViewerSteps.ShotAsync(bob, "61-coviewing-following");

        // Alice's link, opened in a new page, lands on the same voxel with the same view.
        var link = await alice.Locator("input[data-testid=viewer-share-link], [data-testid=viewer-share-link] input").First.InputValueAsync();
        Assert.Contains("mm=40,-22,56", link, StringComparison.Ordinal);
        Assert.Contains("view=axial", link, StringComparison.Ordinal);
        await alice.ClickAsync("[data-testid=viewer-share]");
        await Assertions.Expect(alice.Locator("[data-testid=viewer-share-note]")).ToBeVisibleAsync();
        var opened = await bob.Context.NewPageAsync();
        await ViewerSteps.OpenAsync(opened, link);
        await Assertions.Expect(opened.Locator("[data-testid=readout-mm]")).ToHaveTextAsync("40, -22, 56");
        await Assertions.Expect(opened.Locator("[data-testid=brain-viewer]")).ToHaveAttributeAsync("data-view", "axial");
        await Assertions.Expect(opened.Locator("[data-testid=viewer-link-note]")).ToHaveCountAsync(0);
        await ViewerSteps.ShotAsync(opened, "62-coviewing-shared-link");
        await opened.CloseAsync();

        // Bob clicks the brain himself: he stops following, and Alice's next move no longer moves him.
        var canvas = bob.Locator("[data-testid=brain-canvas]");
        var box = (await canvas.BoundingBoxAsync())!;
        await canvas.ClickAsync(new LocatorClickOptions { Position = new Position { X = box.Width * 0.45f, Y = box.Height * 0.40f } });
        await Assertions.Expect(bob.Locator("[data-testid=viewer-following]")).ToHaveCountAsync(0);
        await Assertions.Expect(bob.Locator("[data-testid=viewer-follow-note]")).ToContainTextAsync("you moved the crosshair");
        var own = await bob.Locator("[data-testid=readout-mm]").InnerTextAsync();
        Assert.NotEqual("40, -22, 56", own);
        await ViewerSteps.GotoAsync(alice, "-38, -22, 56");
        await Assertions.Expect(alice.Locator("[data-testid=readout-mm]")).ToHaveTextAsync("-38, -22, 56");
        await Assertions.Expect(bob.Locator("[data-testid=readout-mm]")).ToHaveTextAsync(own);
        await ViewerSteps.ShotAsync(bob, "63-coviewing-stopped");

        // A link with bad values opens anyway, with notes.
        var broken = await bob.Context.NewPageAsync();
        await ViewerSteps.OpenAsync(broken, $"w/{workspace}/viewer?mm=1,2,abc&view=sideways&thr=high");
        await Assertions.Expect(broken.Locator("[data-testid=viewer-link-note]")).ToHaveCountAsync(3);
        await ViewerSteps.ShotAsync(broken, "64-coviewing-bad-link");
    }
}
