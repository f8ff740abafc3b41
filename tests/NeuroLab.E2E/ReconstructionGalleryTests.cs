using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>
/// Decoding the digits from the browser: start reconstruction-ridge from the new-run form, review its gallery sorted
/// by SSIM, compare it with a second decoder on the same test images, see both on the leaderboard, download the grid.
/// </summary>
public sealed class ReconstructionGalleryTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static Task InteractiveAsync(IPage page) =>
        page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    private static Task ImagesLoadedAsync(IPage page) =>
        page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)");

    private static string Shot(string name) => Path.Combine(BrowserFixture.ScreenshotDirectory, name);

    /// <summary>A new member with a workspace holding the digits sample, on the new-run form with <paramref name="kindLabel"/> chosen.</summary>
    private async Task<(IPage Page, string Workspace, string Dataset)> DigitsRunFormAsync(string email, string workspaceName, string kindLabel)
    {
        var page = await fixture.RegisterAsync(email);
        var workspace = await BrowserFixture.CreateWorkspaceAsync(page, workspaceName);
        await page.GotoAsync($"w/{workspace}/datasets/samples");
        await InteractiveAsync(page);
        await page.Locator("[data-sample=vangerven-digits] [data-testid=add-sample-button]").ClickAsync();
        await page.WaitForURLAsync(new Regex($"/w/{workspace}/datasets/[0-9a-f-]{{36}}$"));
        var dataset = page.Url[^36..];
        await page.GotoAsync($"w/{workspace}/runs/new?datasetId={dataset}");
        await InteractiveAsync(page);
        await page.ClickAsync("[data-testid=run-kind]");
        await page.Locator(".mud-popover-open .mud-list-item", new PageLocatorOptions { HasTextString = kindLabel }).First.ClickAsync();
        return (page, workspace, dataset);
    }

    /// <summary>Waits (at most <paramref name="polls"/> polls 200 ms apart) until a run submitted through the API has succeeded or failed.</summary>
    private static async Task FinishedAsync(IAPIRequestContext api, string runId, int polls)
    {
        for (int i = 0; i < polls && (await (await api.GetAsync($"api/v1/runs/{runId}")).JsonAsync<JsonElement>()).GetProperty("status").GetString() is not ("succeeded" or "failed"); i++)
        {
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task DigitsRidge_FromTheForm_GallerySortsBySsim_ComparesWithASecondRun_GridDownloads()
    {
        var (alice, workspace, dataset) = await DigitsRunFormAsync("decoder@lab.org", "Digits", "Reconstruction: ridge to pixels");
        // The form re-renders once the kind's defaults are in: type the experiment's name after that.
        await Assertions.Expect(alice.Locator("[data-testid=run-kind-description]")).ToContainTextAsync("Decodes the seen image");
        var experimentName = alice.Locator("input[data-testid=run-new-experiment], [data-testid=run-new-experiment] input").First;
        await experimentName.FillAsync("Digit decoders");
        await experimentName.BlurAsync();
        await Assertions.Expect(experimentName).ToHaveValueAsync("Digit decoders");
        await alice.ClickAsync("[data-testid=run-submit]");
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/[0-9a-f-]{{36}}$"));
        var runId = alice.Url[^36..];
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 120_000 });

        // The gallery: the 10 test digits, original beside reconstruction, with the scores and their intervals.
        await Assertions.Expect(alice.Locator("[data-testid=recon-item]")).ToHaveCountAsync(10);
        await Assertions.Expect(alice.Locator("[data-testid=recon-scores]")).ToContainTextAsync("PixCorr");
        await Assertions.Expect(alice.Locator("[data-testid=recon-item] img").First).ToHaveJSPropertyAsync("naturalWidth", 112);
        await alice.ClickAsync("[data-testid=recon-sort]");
        await alice.Locator(".mud-popover-open .mud-list-item", new PageLocatorOptions { HasTextString = "SSIM" }).First.ClickAsync();
        await Assertions.Expect(alice.Locator("[data-testid=recon-item] .nl-recon-sorted").First).ToContainTextAsync("SSIM");
        var ssim = (await alice.Locator("[data-testid=recon-item] [data-metric=ssim]").AllTextContentsAsync())
            .Select(t => double.Parse(t.Split(' ')[^1], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(ssim.OrderByDescending(v => v), ssim);
        await ImagesLoadedAsync(alice);
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("50-reconstruction-gallery.png"), FullPage = true });

        // The grid PNG downloads (through the member's cookie).
        var grid = await alice.Context.APIRequest.GetAsync($"api/v1/runs/{runId}/reconstructions.png");
        Assert.Equal(200, grid.Status);
        Assert.Equal("image/png", grid.Headers["content-type"]);
        var png = await grid.BodyAsync();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        await File.WriteAllBytesAsync(Shot("52-reconstruction-grid.png"), png);

        // A second decoder of the same experiment (one fixed alpha), then the comparison from the panel.
        var api = alice.Context.APIRequest;
        var first = await (await api.GetAsync($"api/v1/runs/{runId}")).JsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.String, first.GetProperty("experimentId").ValueKind);
        var second = await api.PostAsync($"api/v1/workspaces/{workspace}/runs", new APIRequestContextOptions
        {
            DataObject = new
            {
                kind = "reconstruction-ridge",
                datasetId = dataset,
                experimentId = first.GetProperty("experimentId").GetString(),
                parameters = new { responseSetId = first.GetProperty("parameters").GetProperty("responseSetId").GetString(), alphas = new[] { 1e6 } },
            },
        });
        Assert.Equal(201, second.Status);
        var secondId = (await second.JsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await FinishedAsync(api, secondId, 600);
        await alice.ReloadAsync();
        await InteractiveAsync(alice);
        await alice.ClickAsync("[data-testid=recon-compare-select]");
        await alice.Locator(".mud-popover-open .mud-list-item").First.ClickAsync();
        await alice.ClickAsync("[data-testid=recon-compare-link]");
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/{runId}/compare/{secondId}$"));
        await Assertions.Expect(alice.Locator("[data-testid=recon-compare-item]")).ToHaveCountAsync(10);
        await Assertions.Expect(alice.Locator("[data-testid=recon-compare-item] img").Nth(2)).ToHaveJSPropertyAsync("naturalWidth", 112);
        await ImagesLoadedAsync(alice);
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("51-reconstruction-compare.png"), FullPage = true });

        // Both on the experiment's leaderboard.
        await alice.GotoAsync($"w/{workspace}/experiments/{first.GetProperty("experimentId").GetString()}");
        await InteractiveAsync(alice);
        await Assertions.Expect(alice.Locator("[data-testid=recon-leaderboard-row]")).ToHaveCountAsync(2);
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("53-reconstruction-leaderboard.png"), FullPage = true });
    }

    [Fact]
    public async Task DigitsNeuralDecoder_ExamplesSharpenLive_ThenTheGallery_ComparedWithRidge_GridDownloads()
    {
        var (alice, workspace, dataset) = await DigitsRunFormAsync("mlp@lab.org", "Digits MLP", "Reconstruction: neural decoder");
        await Assertions.Expect(alice.Locator("[data-testid=run-kind-description]")).ToContainTextAsync("small neural network");
        await alice.ClickAsync("[data-testid=run-submit]");
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/[0-9a-f-]{{36}}$"));

        // Live: the example reconstructions of the validation digits appear and are replaced as training goes on.
        await Assertions.Expect(alice.Locator("[data-testid=decoder-example]")).ToHaveCountAsync(8, new() { Timeout = 60_000 });
        var firstEpoch = await alice.Locator("[data-testid=decoder-examples-epoch]").TextContentAsync();
        var firstImage = await alice.Locator("[data-testid=decoder-example-decoded]").First.GetAttributeAsync("src");
        await Assertions.Expect(alice.Locator("[data-testid=decoder-examples-epoch]")).Not.ToHaveTextAsync(firstEpoch!, new() { Timeout = 60_000 });
        Assert.NotEqual(firstImage, await alice.Locator("[data-testid=decoder-example-decoded]").First.GetAttributeAsync("src"));
        await alice.Locator("[data-testid=decoder-live] .main-svg").First.WaitForAsync();
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("54-decoder-training-live.png"), FullPage = true });

        // Done: the scores and the gallery of the ten test digits, as for every reconstruction kind.
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 180_000 });
        await Assertions.Expect(alice.Locator("[data-testid=recon-item]")).ToHaveCountAsync(10);
        await Assertions.Expect(alice.Locator("[data-testid=recon-scores]")).ToContainTextAsync("SSIM");
        await ImagesLoadedAsync(alice);
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("55-decoder-finished.png"), FullPage = true });

        // The ridge decoder on the same test digits, in the same experiment; then the decoder compared with it.
        var runId = alice.Url[^36..];
        var api = alice.Context.APIRequest;
        var decoder = await (await api.GetAsync($"api/v1/runs/{runId}")).JsonAsync<JsonElement>();
        var ridge = await api.PostAsync($"api/v1/workspaces/{workspace}/runs", new APIRequestContextOptions
        {
            DataObject = new
            {
                kind = "reconstruction-ridge",
                datasetId = dataset,
                experimentId = decoder.GetProperty("experimentId").GetString(),
                parameters = new { responseSetId = decoder.GetProperty("parameters").GetProperty("responseSetId").GetString() },
            },
        });
        Assert.Equal(201, ridge.Status);
        var ridgeId = (await ridge.JsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await FinishedAsync(api, ridgeId, 900);
        await alice.ReloadAsync();
        await InteractiveAsync(alice);
        await alice.ClickAsync("[data-testid=recon-compare-select]");
        await alice.Locator(".mud-popover-open .mud-list-item", new PageLocatorOptions { HasTextString = "reconstruction-ridge" }).First.ClickAsync();
        await alice.ClickAsync("[data-testid=recon-compare-link]");
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/{runId}/compare/{ridgeId}$"));
        await Assertions.Expect(alice.Locator("[data-testid=recon-compare-item]")).ToHaveCountAsync(10);
        await ImagesLoadedAsync(alice);
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Shot("56-decoder-vs-ridge.png"), FullPage = true });

        // The decoder's gallery as one PNG: originals, reconstructions and the test image each one retrieves.
        var grid = await api.GetAsync($"api/v1/runs/{runId}/reconstructions.png");
        Assert.Equal(200, grid.Status);
        Assert.Equal("image/png", grid.Headers["content-type"]);
        var png = await grid.BodyAsync();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        await File.WriteAllBytesAsync(Shot("57-decoder-grid.png"), png);
    }
}
