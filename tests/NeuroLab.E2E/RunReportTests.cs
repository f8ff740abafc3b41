using System.Text.Json;
using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>The run report: downloaded with the run page's button, then opened from disk in an offline browser.</summary>
public sealed class RunReportTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Report_DownloadedFromTheRunPage_OpensOfflineFromDisk_WithCurvesAndReconstructions_LoadingNothing()
    {
        var alice = await fixture.RegisterAsync("reporter@lab.org");
        var workspace = await BrowserFixture.CreateWorkspaceAsync(alice, "Reports");
        var api = alice.Context.APIRequest;
        var dataset = await (await api.PostAsync($"api/v1/workspaces/{workspace}/datasets", new APIRequestContextOptions { DataObject = new { sample = "vangerven-digits" } })).JsonAsync<JsonElement>();
        var submitted = await api.PostAsync($"api/v1/workspaces/{workspace}/runs", new APIRequestContextOptions
        {
            DataObject = new
            {
                kind = "reconstruction-decoder",
                datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString(),
                parameters = new { responseSetId = dataset.GetProperty("responseSets")[0].GetProperty("id").GetString(), maxEpochs = 5 },
            },
        });
        Assert.Equal(201, submitted.Status);
        var runId = (await submitted.JsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await alice.GotoAsync($"w/{workspace}/runs/{runId}");
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 180_000 });

        var download = await alice.RunAndWaitForDownloadAsync(() => alice.ClickAsync("[data-testid=run-report]"));
        Assert.Equal($"neurolab-run-{runId[..8]}.html", download.SuggestedFilename);
        var path = Path.Combine(BrowserFixture.ScreenshotDirectory, "..", "reports", download.SuggestedFilename);
        await download.SaveAsAsync(path);

        // From disk, offline: everything it shows is in the file, and its policy blocks nothing it uses.
        await using var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { Offline = true, ViewportSize = new ViewportSize { Width = 1100, Height = 900 } });
        var page = await context.NewPageAsync();
        var requested = new List<string>();
        var console = new List<string>();
        page.Request += (_, request) => requested.Add(request.Url);
        page.Console += (_, message) => console.Add(message.Text);
        await page.GotoAsync(new Uri(Path.GetFullPath(path)).AbsoluteUri);
        await page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)");

        await Assertions.Expect(page.Locator("#reconstructions figure.recon")).ToHaveCountAsync(10);
        await Assertions.Expect(page.Locator("#reconstructions img").First).ToHaveJSPropertyAsync("naturalWidth", 112);
        await Assertions.Expect(page.Locator("#figures")).ToContainTextAsync("Training: loss per epoch");
        Assert.True(await page.Locator("#figures svg").CountAsync() >= 2);
        await Assertions.Expect(page.Locator("#provenance")).ToContainTextAsync("training_history.csv");
        Assert.All(requested, url => Assert.True(url.StartsWith("file:", StringComparison.Ordinal) || url.StartsWith("data:", StringComparison.Ordinal), url));
        Assert.DoesNotContain(console, m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "60-run-report.png"), FullPage = true });
    }
}
