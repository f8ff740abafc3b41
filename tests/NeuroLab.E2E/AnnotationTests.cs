using System.Text.Json;
using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>
/// Annotating together, as two members in two browsers: a comment pinned on the brain appears as a marker and a thread
/// for the other without a reload, a reply @mentions back into the inbox, resolving shows live, following moves the
/// follower's crosshair; an outsider sees none of it.
/// </summary>
public sealed class AnnotationTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task TwoMembers_PinReplyMentionResolveFollow_OutsiderSeesNothing()
    {
        var alice = await fixture.RegisterAsync("annotator@lab.org");
        var bob = await fixture.RegisterAsync("reviewer@lab.org");
        var carol = await fixture.RegisterAsync("stranger@lab.org");
        var workspace = await BrowserFixture.CreateWorkspaceAsync(alice, "Face patches");
        Assert.Equal(201, (await alice.Context.APIRequest.PostAsync($"api/v1/workspaces/{workspace}/members",
            new APIRequestContextOptions { DataObject = new { email = "reviewer@lab.org", role = "viewer" } })).Status);
        Assert.Equal(201, (await alice.Context.APIRequest.PostAsync($"api/v1/workspaces/{workspace}/datasets",
            new APIRequestContextOptions { DataObject = new { sample = "mni152" } })).Status);
        var viewer = $"w/{workspace}/viewer";

        // Both have the viewer open; Alice pins a comment at the right fusiform gyrus.
        await ViewerSteps.OpenAsync(alice, viewer);
        await ViewerSteps.OpenAsync(bob, viewer);
        await Assertions.Expect(bob.Locator("[data-testid=viewer-marker-count]")).ToHaveTextAsync("0");
        await ViewerSteps.GotoAsync(alice, "42, -52, -18");
        await alice.ClickAsync("[data-testid=viewer-comment-here]");
        await alice.Locator("[data-testid=viewer-comments] textarea[data-testid=annotation-new], [data-testid=viewer-comments] [data-testid=annotation-new] textarea").First
            .FillAsync("Looks like **FFA** here; check the faces > houses contrast of run 12.");
        await alice.ClickAsync("[data-testid=viewer-comments] [data-testid=annotation-post]");
        await Assertions.Expect(alice.Locator("[data-testid=viewer-comments] [data-testid=annotation-body]")).ToContainTextAsync("Looks like FFA");
        await Assertions.Expect(alice.Locator("[data-testid=viewer-comments] [data-testid=annotation-body] strong")).ToHaveTextAsync("FFA");

        // Bob sees the marker appear without reloading, opens it, and replies with an @mention.
        await Assertions.Expect(bob.Locator("[data-testid=viewer-marker-count]")).ToHaveTextAsync("1");
        await bob.ClickAsync("[data-testid=viewer-comment-marker]");
        await Assertions.Expect(bob.Locator("[data-testid=readout-mm]")).ToHaveTextAsync("42, -52, -18");
        await Assertions.Expect(bob.Locator("[data-testid=viewer-comments] [data-testid=annotation-body]")).ToContainTextAsync("Looks like FFA");
        await ViewerSteps.ShotAsync(bob, "70-annotation-marker-seen");
        await bob.ClickAsync("[data-testid=viewer-comments] [data-testid=annotation-reply]");
        await bob.Locator("[data-testid=viewer-comments] textarea[data-testid=annotation-reply-text], [data-testid=viewer-comments] [data-testid=annotation-reply-text] textarea").First
            .FillAsync("@annotator agreed, and it is right-lateralised.");
        await bob.ClickAsync("[data-testid=viewer-comments] [data-testid=annotation-reply-send]");
        await Assertions.Expect(alice.Locator("[data-testid=viewer-comments] [data-testid=annotation-comment]")).ToHaveCountAsync(2);

        // Alice's inbox counts the mention; opening it leads to the place, where she resolves the thread.
        await Assertions.Expect(alice.Locator("[data-testid=inbox-unread] .mud-badge")).ToHaveTextAsync("1");
        await alice.ClickAsync("[data-testid=inbox-button]");
        await Assertions.Expect(alice.Locator("[data-testid=inbox-item][data-unread=true]")).ToContainTextAsync("right-lateralised");
        await ViewerSteps.ShotAsync(alice, "71-annotation-inbox");
        await alice.Locator("[data-testid=inbox-item]").First.ClickAsync();
        await alice.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/viewer\\?mm=42,-52,-18"));
        await alice.Locator("[data-testid=brain-viewer][data-ready=true]").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        await Assertions.Expect(alice.Locator("[data-testid=inbox-unread] .mud-badge")).ToHaveCountAsync(0);
        await Assertions.Expect(alice.Locator("[data-testid=readout-mm]")).ToHaveTextAsync("42, -52, -18");
        await alice.ClickAsync("[data-testid=viewer-comments] [data-testid=annotation-resolve]");
        await Assertions.Expect(bob.Locator("[data-testid=viewer-comments] [data-testid=annotation-thread]")).ToHaveAttributeAsync("data-resolved", "true");
        await ViewerSteps.ShotAsync(bob, "72-annotation-resolved-live");

        // Bob follows Alice's viewer: her crosshair moves his.
        await bob.ClickAsync("[data-testid=presence-follow][data-user='annotator@lab.org']");
        await Assertions.Expect(bob.Locator("[data-testid=viewer-following]")).ToBeVisibleAsync();
        await ViewerSteps.GotoAsync(alice, "-40, -50, -18");
        await Assertions.Expect(bob.Locator("[data-testid=readout-mm]")).ToHaveTextAsync("-40, -50, -18");

        // Carol, outside the workspace, gets 404 from the API and no viewer.
        var threads = await alice.Context.APIRequest.GetAsync($"api/v1/workspaces/{workspace}/annotations");
        var id = (await threads.JsonAsync<JsonElement>())[0].GetProperty("id").GetString();
        Assert.Equal(404, (await carol.Context.APIRequest.GetAsync($"api/v1/annotations/{id}")).Status);
        Assert.Equal(404, (await carol.Context.APIRequest.GetAsync($"api/v1/workspaces/{workspace}/annotations")).Status);
        await carol.GotoAsync(viewer);
        await Assertions.Expect(carol.Locator("[data-testid=viewer-comments]")).ToHaveCountAsync(0);
        await Assertions.Expect(carol.Locator("[data-testid=inbox-unread] .mud-badge")).ToHaveCountAsync(0);
    }
}
