using System.Text.Json;
using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>
/// The workspace feed and the audit log in a browser: the Owner watches the overview while a dataset is imported and
/// runs finish (entries appear live, linked to the run), a Viewer's caption review appears on the Owner's run page
/// without a reload, and only the Owner sees the audit log in settings. Screenshots: 20-activity-feed, 21-caption-review-live,
/// 22-audit-log.
/// </summary>
public sealed class ActivityTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });

    private static async Task<JsonElement> PostAsync(IPage page, string url, object body)
    {
        var response = await page.Context.APIRequest.PostAsync(url, new APIRequestContextOptions { DataObject = body });
        Assert.True(response.Ok, $"{url}: {response.Status} {await response.TextAsync()}");
        return (await response.JsonAsync())!.Value;
    }

    private static async Task<string> SubmitAsync(IPage page, string ws, string datasetId, string kind, object parameters) =>
        (await PostAsync(page, $"api/v1/workspaces/{ws}/runs", new { kind, datasetId, parameters })).GetProperty("id").GetString()!;

    private static async Task WaitSucceededAsync(IPage page, string runId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var run = (await (await page.Context.APIRequest.GetAsync($"api/v1/runs/{runId}")).JsonAsync())!.Value;
            var status = run.GetProperty("status").GetString();
            Assert.True(status is not ("failed" or "cancelled"), $"run {runId} ended {status}");
            if (status == "succeeded")
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"run {runId} did not finish");
            await page.WaitForTimeoutAsync(200);
        }
    }

    [Fact]
    public async Task Feed_UpdatesLiveWhileRunsFinish_ReviewAppearsOnRunPage_AuditLogOnlyForOwner()
    {
        var alice = await fixture.RegisterAsync("alice.activity@lab.org");
        var ws = await BrowserFixture.CreateWorkspaceAsync(alice, "Category-selective cortex");
        var bob = await fixture.RegisterAsync("bob.activity@lab.org");
        await PostAsync(alice, $"api/v1/workspaces/{ws}/members", new { email = "bob.activity@lab.org", role = "viewer" });
        await Assertions.Expect(alice.Locator("[data-testid=activity-list]")).ToContainTextAsync("Added bob.activity@lab.org as Viewer");
        await Assertions.Expect(alice.Locator("[data-testid=workspace-members]")).ToContainTextAsync("2 members");

        // Alice stays on the overview; everything below reaches her feed without a reload.
        var haxby = await PostAsync(alice, $"api/v1/workspaces/{ws}/datasets", new { sample = "haxby2001-sub1" });
        var datasetId = haxby.GetProperty("dataset").GetProperty("id").GetString()!;
        var hoc = haxby.GetProperty("responseSets").EnumerateArray().Single(r => r.GetProperty("name").GetString()!.Contains("hoc", StringComparison.Ordinal)).GetProperty("id").GetString();
        var encoding = await SubmitAsync(alice, ws, datasetId, "encoding-ridge", new { responseSetId = hoc, features = "labels", samples = "trials", permutations = 0 });
        var finished = alice.Locator("[data-testid=activity-item][data-action='run.succeeded']");
        await Assertions.Expect(finished).ToHaveCountAsync(1, new LocatorAssertionsToHaveCountOptions { Timeout = 120_000 });
        await Assertions.Expect(finished).ToContainTextAsync("Finished encoding-ridge");
        await Assertions.Expect(alice.Locator("[data-testid=activity-item][data-action='dataset.imported']")).ToHaveCountAsync(1);
        await Assertions.Expect(alice.Locator("[data-testid=activity-item][data-action='run.started']")).ToHaveCountAsync(1);
        await Assertions.Expect(alice.Locator("[data-testid=overview-datasets]")).ToContainTextAsync("Haxby");
        await ScreenshotAsync(alice, "20-activity-feed");
        await WaitSucceededAsync(alice, encoding);

        var captions = await SubmitAsync(alice, ws, datasetId, "voxel-captions", new { encodingRunId = encoding, minTestR = -1.0, keywords = 1 });
        await WaitSucceededAsync(alice, captions);
        await alice.GotoAsync($"w/{ws}/runs/{captions}");
        await alice.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await Assertions.Expect(alice.Locator("[data-testid=caption-review-stats]")).ToContainTextAsync("No reviews yet");
        // Bob, a Viewer, reviews a caption in his own browser; Alice's run page shows it without a reload.
        var review = await bob.Context.APIRequest.PutAsync($"api/v1/runs/{captions}/captions/0/review", new APIRequestContextOptions { DataObject = new { verdict = "accurate" } });
        Assert.True(review.Ok, await review.TextAsync());
        await Assertions.Expect(alice.Locator("[data-testid=review-summary]")).ToContainTextAsync("1 reviews by 1 reviewer(s)");
        await Assertions.Expect(alice.Locator("[data-testid=caption-reviews]").First).ToContainTextAsync("1 accurate");
        await ScreenshotAsync(alice, "21-caption-review-live");

        await alice.GotoAsync($"w/{ws}/settings");
        var audit = alice.Locator("[data-testid=audit-log]");
        await Assertions.Expect(audit).ToContainTextAsync("member.added");
        await Assertions.Expect(audit).ToContainTextAsync("bob.activity@lab.org as Viewer");
        await ScreenshotAsync(alice, "22-audit-log");

        await bob.GotoAsync($"w/{ws}/settings");
        await bob.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await Assertions.Expect(bob.Locator("[data-testid=member-list]")).ToBeVisibleAsync();
        await Assertions.Expect(bob.Locator("[data-testid=audit-section]")).ToHaveCountAsync(0);
        Assert.Equal(403, (await bob.Context.APIRequest.GetAsync($"api/v1/workspaces/{ws}/audit")).Status);
    }
}
