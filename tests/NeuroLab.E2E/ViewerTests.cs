using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>The NiiVue brain viewer in Chromium (WebGL2 through SwiftShader): maps on templates, atlas names, PNG export, run maps.</summary>
public sealed class ViewerTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private readonly List<string> _problems = [];

    private async Task<IPage> UserAsync(string email)
    {
        var page = await fixture.RegisterAsync(email);
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                _problems.Add($"console error on {page.Url}: {m.Text}");
            }
        };
        page.PageError += (_, e) => _problems.Add($"page error on {page.Url}: {e}");
        return page;
    }

    private static async Task<JsonElement> AddSampleAsync(IPage page, string workspace, string sample)
    {
        var response = await page.Context.APIRequest.PostAsync($"api/v1/workspaces/{workspace}/datasets", new APIRequestContextOptions { DataObject = new { sample } });
        Assert.Equal(201, response.Status);
        return await response.JsonAsync<JsonElement>();
    }

    private static string FileKey(JsonElement dataset, string fileName)
    {
        var id = dataset.GetProperty("dataset").GetProperty("id").GetString();
        var file = dataset.GetProperty("files").EnumerateArray().Single(f => f.GetProperty("name").GetString()!.EndsWith(fileName, StringComparison.Ordinal));
        return $"file:{id}:{file.GetProperty("id").GetString()}";
    }

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });

    /// <summary>
    /// A new workspace with the Haxby sample and a finished category model on its brain-mask voxels (single trials split
    /// by run), the run's page open; returns the workspace and run ids.
    /// </summary>
    private static async Task<(string Workspace, string Run)> HaxbyCategoryRunAsync(IPage page, string workspaceName, int permutations)
    {
        var workspace = await BrowserFixture.CreateWorkspaceAsync(page, workspaceName);
        var haxby = await AddSampleAsync(page, workspace, "haxby2001-sub1");
        var brain = haxby.GetProperty("responseSets").EnumerateArray().Single(r => r.GetProperty("name").GetString()!.Contains("brain", StringComparison.Ordinal));
        var submitted = await page.Context.APIRequest.PostAsync($"api/v1/workspaces/{workspace}/runs", new APIRequestContextOptions
        {
            DataObject = new
            {
                kind = "encoding-ridge",
                datasetId = haxby.GetProperty("dataset").GetProperty("id").GetString(),
                parameters = new { responseSetId = brain.GetProperty("id").GetString(), features = "labels", samples = "trials", permutations },
            },
        });
        Assert.Equal(201, submitted.Status);
        var run = (await submitted.JsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await page.GotoAsync($"w/{workspace}/runs/{run}");
        // The status shows in the prerendered page already; typing before the circuit is interactive would be lost
        // (a clean-clone CI run submitted the caption form with its default threshold that way).
        await page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 120_000 });
        return (workspace, run);
    }

    private static async Task GotoAsync(IPage page, string mm)
    {
        await page.Locator("input[data-testid=viewer-goto], [data-testid=viewer-goto] input").First.FillAsync(mm);
        await page.ClickAsync("[data-testid=viewer-goto-button]");
    }

    private async Task WaitReadyAsync(IPage page)
    {
        try
        {
            await page.Locator("[data-testid=brain-viewer][data-ready=true]").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            await ShotAsync(page, $"failed-viewer-{Guid.NewGuid():N}");
            throw new InvalidOperationException($"The viewer at {page.Url} never became ready. Browser problems: {string.Join(" | ", _problems)}");
        }
    }

    [Fact]
    public async Task MniMapOnTemplate_RegionAtCrosshair_Views_PngExport()
    {
        var alice = await UserAsync("viewer@lab.org");
        var workspace = await BrowserFixture.CreateWorkspaceAsync(alice, "Maps");
        await AddSampleAsync(alice, workspace, "mni152");
        await AddSampleAsync(alice, workspace, "aal");
        var maps = await AddSampleAsync(alice, workspace, "example-maps");
        var motor = FileKey(maps, "spmMotor.nii.gz");

        // Navigation to interactive: the 1 mm MNI152 template (197x233x189) plus a 2 mm t-map overlay.
        await alice.GotoAsync($"w/{workspace}/viewer?overlay={Uri.EscapeDataString(motor)}");
        await WaitReadyAsync(alice);
        var timing = await alice.Locator("[data-testid=viewer-timing]").InnerTextAsync();
        var ms = double.Parse(Regex.Match(timing, @"Drawn (\d+) ms").Groups[1].Value, CultureInfo.InvariantCulture);
        Console.WriteLine($"Brain viewer: MNI152 1 mm + spmMotor overlay drawn {ms} ms after navigation ({timing})");
        await File.WriteAllTextAsync(Path.Combine(BrowserFixture.ScreenshotDirectory, "viewer-timing.txt"), $"{ms.ToString(CultureInfo.InvariantCulture)} ms: {timing}\n");
        Assert.InRange(ms, 1, 60_000);
        await Assertions.Expect(alice.Locator("[data-testid=viewer-overlay]")).ToHaveCountAsync(1);

        // Typed coordinates: the AAL region and the motor map's value and voxel there, as nibabel 5.0.0 reads them
        // (best affine inverted, nearest voxel): (-38, -22, 56) -> Postcentral_L, t = -5.138 at voxel (58, 45, 63);
        // (40, -22, 56) -> Precentral_R, t = 6.853 at voxel (19, 45, 63).
        await GotoAsync(alice, "-38, -22, 56");
        await Assertions.Expect(alice.Locator("[data-testid=viewer-region]")).ToHaveTextAsync("Postcentral_L");
        await Assertions.Expect(alice.Locator("[data-testid=readout-mm]")).ToHaveTextAsync("-38, -22, 56");
        await Assertions.Expect(alice.Locator("[data-testid=readout-row]").Nth(1)).ToContainTextAsync("-5.138 at voxel (58, 45, 63)");
        await GotoAsync(alice, "40 -22 56");
        await Assertions.Expect(alice.Locator("[data-testid=viewer-region]")).ToHaveTextAsync("Precentral_R");
        await Assertions.Expect(alice.Locator("[data-testid=readout-row]").Nth(1)).ToContainTextAsync("6.853 at voxel (19, 45, 63)");
        await ShotAsync(alice, "30-viewer-mni-motor");
        await GotoAsync(alice, "40, 22");
        await Assertions.Expect(alice.Locator("[data-testid=viewer-goto-error]")).ToContainTextAsync("three numbers");

        // A click on the brain moves the crosshair: the readout follows.
        var before = await alice.Locator("[data-testid=readout-mm]").InnerTextAsync();
        var canvas = alice.Locator("[data-testid=brain-canvas]");
        var box = (await canvas.BoundingBoxAsync())!;
        await canvas.ClickAsync(new LocatorClickOptions { Position = new Position { X = box.Width * 0.22f, Y = box.Height * 0.30f } });
        await Assertions.Expect(alice.Locator("[data-testid=readout-mm]")).Not.ToHaveTextAsync(before);

        // Colin27 as the background instead (its own grid and affine); the crosshair readout follows the new volume.
        await AddSampleAsync(alice, workspace, "colin27");
        await alice.ReloadAsync();
        await WaitReadyAsync(alice);
        await alice.Locator("[data-testid=viewer-background]").ClickAsync();
        await alice.Locator(".mud-popover-open .mud-list-item", new PageLocatorOptions { HasTextString = "ch2bet" }).First.ClickAsync();
        await GotoAsync(alice, "40 -22 56");
        await Assertions.Expect(alice.Locator("[data-testid=readout-row]").First).ToContainTextAsync("at voxel");
        await Assertions.Expect(alice.Locator("[data-testid=viewer-region]")).ToHaveTextAsync("Precentral_R");
        await Assertions.Expect(alice.Locator("[data-testid=brain-viewer-error]")).ToHaveCountAsync(0);
        await ShotAsync(alice, "30b-viewer-colin27");

        foreach (var view in new[] { "mosaic", "render", "axial" })
        {
            await alice.ClickAsync($"[data-testid=view-{view}]");
            await Assertions.Expect(alice.Locator("[data-testid=brain-viewer]")).ToHaveAttributeAsync("data-view", view);
            await alice.WaitForTimeoutAsync(300);
            await Assertions.Expect(alice.Locator("[data-testid=brain-viewer-error]")).ToHaveCountAsync(0);
            await ShotAsync(alice, $"31-viewer-{view}");
        }

        // Surfaces: with fsaverage5 in the workspace, the motor map projected onto both inflated hemispheres.
        var fsaverage = await AddSampleAsync(alice, workspace, "fsaverage5");
        await alice.ReloadAsync();
        await WaitReadyAsync(alice);
        await alice.ClickAsync("[data-testid=view-surface]");
        await Assertions.Expect(alice.Locator("[data-testid=viewer-surface-controls]")).ToBeVisibleAsync();
        await alice.WaitForTimeoutAsync(1500);
        await Assertions.Expect(alice.Locator("[data-testid=brain-viewer-error]")).ToHaveCountAsync(0);
        await Assertions.Expect(alice.Locator("[data-testid=viewer-surface-note]")).ToHaveCountAsync(0);
        await ShotAsync(alice, "34-viewer-surface");
        var overlay = await alice.Context.APIRequest.GetAsync(
            $"api/v1/workspaces/{workspace}/viewer/surface-overlay.gii?volume={Uri.EscapeDataString(motor)}&surfaces={fsaverage.GetProperty("dataset").GetProperty("id").GetString()}&hemi=left");
        Assert.Equal(200, overlay.Status);
        var gifti = NeuroLab.Formats.Gifti.GiftiReader.Read(new MemoryStream(await overlay.BodyAsync()), "left.gii");
        Assert.Equal([10242L], gifti.DataArrays[0].Array.Shape);
        await File.WriteAllBytesAsync(Path.Combine(BrowserFixture.ScreenshotDirectory, "spmMotor-fsaverage5-left.gii"), await overlay.BodyAsync());
        await alice.ClickAsync("[data-testid=view-axial]");
        await WaitReadyAsync(alice);

        var download = await alice.RunAndWaitForDownloadAsync(() => alice.ClickAsync("[data-testid=viewer-export]"));
        var png = Path.Combine(BrowserFixture.ScreenshotDirectory, "32-viewer-export.png");
        await download.SaveAsAsync(png);
        var bytes = await File.ReadAllBytesAsync(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.True(bytes.Length > 5_000, $"exported PNG is only {bytes.Length} bytes");
        Assert.True(_problems.Count == 0, string.Join(Environment.NewLine, _problems));
    }

    [Fact]
    public async Task RunMapInSubjectSpace_ClickVoxel_OpensItsUnitPage()
    {
        var alice = await UserAsync("mapper@lab.org");
        var (workspace, run) = await HaxbyCategoryRunAsync(alice, "Haxby maps", permutations: 100);
        await alice.ClickAsync("[data-testid=run-open-viewer]");
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/viewer\\?run={run}$"));
        await WaitReadyAsync(alice);
        // The run's test r map over the subject's own (25 mm) anatomy; the atlas is not offered for subject space.
        await Assertions.Expect(alice.Locator("[data-testid=viewer-overlay]")).ToContainTextAsync("test_r");

        // The VT mask's only voxel, (4, 3, 4), is at (-37.5, -37.5, -12.5) mm by the mask's affine (nibabel 5.0.0).
        await GotoAsync(alice, "-37.5, -37.5, -12.5");
        await Assertions.Expect(alice.Locator("[data-testid=viewer-unit]")).ToBeVisibleAsync();
        // Its top stimuli (the eight conditions' fixed-effects betas; scissors is the largest, nibabel/numpy reference in SampleImportTests).
        await Assertions.Expect(alice.Locator("[data-testid=viewer-unit-top] figcaption")).ToHaveCountAsync(5);
        await Assertions.Expect(alice.Locator("[data-testid=viewer-unit-top] figcaption").First).ToContainTextAsync("scissors");
        await Assertions.Expect(alice.Locator("[data-testid=readout-row]").Nth(1)).ToContainTextAsync("at voxel (4, 3, 4)");
        // The preferred-category map reads as a category name.
        await alice.Locator("[data-testid=viewer-add-overlay]").ClickAsync();
        await alice.Locator(".mud-popover-open .mud-list-item", new PageLocatorOptions { HasTextString = "preferred_category" }).First.ClickAsync();
        await Assertions.Expect(alice.Locator("[data-testid=viewer-overlay]")).ToHaveCountAsync(2);
        await GotoAsync(alice, "-37.5, -37.5, -12.5");
        await Assertions.Expect(alice.Locator("[data-testid=readout-row]").Nth(2)).ToContainTextAsync("(shoe) at voxel (4, 3, 4)");
        await ShotAsync(alice, "33-viewer-haxby-run");
        await alice.ClickAsync("[data-testid=viewer-unit-link]");
        await alice.WaitForURLAsync(new Regex($"/runs/{run}/units/\\d+$"));
        await Assertions.Expect(alice.Locator("[data-testid=unit-top-measured] figcaption")).ToHaveCountAsync(8);

        // A link with a caption run that does not exist still shows the map, without captions.
        await alice.GotoAsync($"w/{workspace}/viewer?run={run}&captions={Guid.NewGuid()}");
        await WaitReadyAsync(alice);
        await Assertions.Expect(alice.Locator("[data-testid=viewer-captions]")).ToHaveCountAsync(0);
        Assert.True(_problems.Count == 0, string.Join(Environment.NewLine, _problems));
    }

    [Fact]
    public async Task VoxelCaptions_LaunchedFromTheRun_SearchedAndShownOnTheBrain_WithEvidence()
    {
        var alice = await UserAsync("captions@lab.org");
        var (workspace, run) = await HaxbyCategoryRunAsync(alice, "Captions", permutations: 0);

        // Launch captions from the encoding run's page: one keyword per caption, every voxel with test r >= -1.
        await alice.Locator("input[data-testid=caption-min-r], [data-testid=caption-min-r] input").First.FillAsync("-1");
        await alice.Locator("input[data-testid=caption-keywords], [data-testid=caption-keywords] input").First.FillAsync("1");
        await alice.Locator("input[data-testid=caption-keywords], [data-testid=caption-keywords] input").First.PressAsync("Tab");
        await alice.ClickAsync("[data-testid=caption-submit]");
        await alice.WaitForURLAsync(url => !url.EndsWith(run, StringComparison.Ordinal) && Regex.IsMatch(url, "/runs/[0-9a-f-]{36}$"));
        await Assertions.Expect(alice.Locator("h1")).ToHaveTextAsync("voxel-captions");
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 120_000 });
        await Assertions.Expect(alice.Locator("[data-testid=caption-row]")).ToHaveCountAsync(129);

        // "Which voxels mention scissors?"
        await alice.Locator("input[data-testid=caption-search], [data-testid=caption-search] input").First.FillAsync("scissors");
        await Assertions.Expect(alice.Locator("[data-testid=caption-count]")).ToContainTextAsync("mention \"scissors\"");
        await ShotAsync(alice, "35-caption-table");
        var matches = await alice.Locator("[data-testid=caption-row]").CountAsync();
        Assert.InRange(matches, 1, 128);
        await Assertions.Expect(alice.Locator("[data-testid=caption-row]").First).ToContainTextAsync("Prefers scissors.");
        await ShotAsync(alice, "35-caption-table");
        var captionRunUrl = alice.Url;

        // The matches on the brain: a red overlay; the VT voxel's caption and its evidence from the crosshair.
        await alice.ClickAsync("[data-testid=caption-show-in-viewer]");
        await WaitReadyAsync(alice);
        await Assertions.Expect(alice.Locator("[data-testid=viewer-caption-matches]")).ToContainTextAsync($"{matches} voxels mention 'scissors'");
        await GotoAsync(alice, "-37.5, -37.5, -12.5");
        await Assertions.Expect(alice.Locator("[data-testid=viewer-unit-caption]")).ToHaveTextAsync("Prefers scissors.");
        await Assertions.Expect(alice.Locator("[data-testid=readout-row]").Last).ToContainTextAsync("1 at voxel (4, 3, 4)");
        await ShotAsync(alice, "36-viewer-captions");
        await alice.ClickAsync("[data-testid=viewer-caption-link]");
        await alice.WaitForURLAsync(new Regex("/captions/\\d+$"));
        await Assertions.Expect(alice.Locator("[data-testid=caption-text]")).ToHaveTextAsync("Prefers scissors.");
        await Assertions.Expect(alice.Locator("[data-testid=caption-top-measured] figure")).ToHaveCountAsync(10);
        await Assertions.Expect(alice.Locator("[data-testid=caption-keywords]")).ToContainTextAsync("scissors");

        // Team review of the caption; the run page counts it.
        await alice.ClickAsync("[data-testid=review-accurate]");
        await alice.Locator("textarea[data-testid=review-comment], [data-testid=review-comment] textarea").First.FillAsync("VT prefers tools here, as in Haxby 2001");
        await alice.ClickAsync("[data-testid=review-save]");
        await Assertions.Expect(alice.Locator("[data-testid=review-item]")).ToContainTextAsync("captions@lab.org: accurate — VT prefers tools here");
        await ShotAsync(alice, "37-caption-evidence");
        await alice.ClickAsync("[data-testid=caption-unit-link]");
        await Assertions.Expect(alice.Locator("[data-testid=unit-caption]")).ToContainTextAsync("Prefers scissors.");

        // The full caption map: every captioned voxel coloured by its keyword.
        await alice.GotoAsync(captionRunUrl);
        // Follow the link only once the circuit is interactive: a click on the prerendered page raced Blazor's start-up
        // on a 2-core CI run and the viewer never loaded.
        await alice.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 60_000 });
        await Assertions.Expect(alice.Locator("[data-testid=review-summary]")).ToContainTextAsync("1 reviews by 1 reviewer(s) of 1 caption(s): 1 accurate, 0 partly, 0 wrong");
        await alice.ClickAsync("[data-testid=caption-show-in-viewer]");
        await WaitReadyAsync(alice);
        await Assertions.Expect(alice.Locator("[data-testid=viewer-caption-matches]")).ToContainTextAsync("Caption map: 129 voxels");
        Assert.True(_problems.Count == 0, string.Join(Environment.NewLine, _problems));
    }
}
