using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>
/// Importing in the browser: the Haxby and Allen samples from the catalogue, an uploaded NIfTI with its
/// preview, and a corrupt upload that is refused with a clear message and creates no dataset.
/// </summary>
public sealed class DatasetImportTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Password = "correct horse battery staple";
    private readonly List<string> _problems = [];

    private async Task<(IPage Page, string Workspace)> OwnerWithWorkspaceAsync(string email)
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        page.Console += (_, m) =>
        {
            if (m.Type == "error" && !m.Text.Contains("Failed to load resource", StringComparison.Ordinal))
            {
                _problems.Add($"{page.Url}: {m.Text}");
            }
        };
        page.PageError += (_, e) => _problems.Add($"{page.Url}: {e}");
        await page.GotoAsync("Account/Register");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.FillAsync("#Input\\.ConfirmPassword", Password);
        await page.ClickAsync("[data-testid=register-submit]");
        await page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.Locator("input[data-testid=new-workspace-name], [data-testid=new-workspace-name] input").First.FillAsync("Imports");
        await page.ClickAsync("[data-testid=create-workspace]");
        await page.WaitForURLAsync(new Regex("/w/[0-9a-f-]{36}$"));
        return (page, page.Url[^36..]);
    }

    private static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });

    private static async Task AssertImagesLoadedAsync(ILocator images)
    {
        var count = await images.CountAsync();
        Assert.True(count > 0, "no images");
        for (int i = 0; i < Math.Min(count, 6); i++)
        {
            var img = images.Nth(i);
            await img.ScrollIntoViewIfNeededAsync();
            await Assertions.Expect(img).ToHaveJSPropertyAsync("complete", true);
            Assert.True(await img.EvaluateAsync<int>("i => i.naturalWidth") > 0, $"image {i} did not load");
        }
    }

    private async Task AddSampleAsync(IPage page, string workspace, string key)
    {
        await page.GotoAsync($"w/{workspace}/datasets/samples");
        await page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.Locator($"[data-sample={key}] [data-testid=add-sample-button]").ClickAsync();
        await page.WaitForURLAsync(new Regex($"/w/{workspace}/datasets/[0-9a-f-]{{36}}$"), new PageWaitForURLOptions { Timeout = 120_000 });
        await Assertions.Expect(page.Locator("[data-testid=dataset-title]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Samples_HaxbyAndAllen_ShowStimuliResponsesAndPreviews()
    {
        var (page, workspace) = await OwnerWithWorkspaceAsync("sam@lab.org");
        await page.GotoAsync($"w/{workspace}/datasets/samples");
        await Assertions.Expect(page.Locator("[data-testid=sample-card]")).ToHaveCountAsync(11);
        await ShotAsync(page, "11-sample-catalogue");

        await AddSampleAsync(page, workspace, "haxby2001-sub1");
        await Assertions.Expect(page.Locator("[data-testid=dataset-title]")).ToContainTextAsync("Haxby");
        await Assertions.Expect(page.Locator("[data-testid=response-set]")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("[data-testid=stimulus-gallery] figure")).ToHaveCountAsync(8);
        await Assertions.Expect(page.Locator("[data-testid=stimulus-gallery]")).ToContainTextAsync("face");
        await AssertImagesLoadedAsync(page.Locator("[data-testid=response-heatmap]"));
        await AssertImagesLoadedAsync(page.Locator("[data-testid=file-preview]"));
        await page.Locator("[data-testid=histogram] .main-svg").First.WaitForAsync();
        await ShotAsync(page, "12-dataset-haxby");

        await AddSampleAsync(page, workspace, "allen-v1");
        await Assertions.Expect(page.Locator("[data-testid=stimulus-gallery] figure")).ToHaveCountAsync(118);
        await AssertImagesLoadedAsync(page.Locator("[data-testid=stimulus-gallery] img"));
        await Assertions.Expect(page.Locator("[data-testid=response-set]")).ToContainTextAsync("118 stimuli");
        await ShotAsync(page, "13-dataset-allen");
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "13b-dataset-allen-top.png") });

        await page.GotoAsync($"w/{workspace}/datasets");
        await Assertions.Expect(page.Locator("[data-testid=dataset-link]")).ToHaveCountAsync(2);
        await ShotAsync(page, "14-dataset-list");
        Assert.True(_problems.Count == 0, string.Join(Environment.NewLine, _problems));
    }

    [Fact]
    public async Task Upload_NiftiWithPreview_Saves_CorruptUploadIsRefused()
    {
        var (page, workspace) = await OwnerWithWorkspaceAsync("upl@lab.org");
        await page.GotoAsync($"w/{workspace}/datasets/import");
        await page.Locator("[data-testid=drop-zone]").WaitForAsync();
        await page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

        var good = SharedData.Path("templates/spmMotor.nii.gz");
        var corrupt = Path.Combine(Path.GetTempPath(), $"corrupt-{Guid.NewGuid():N}.nii.gz");
        var bytes = await File.ReadAllBytesAsync(SharedData.Path("templates/image_10426.nii.gz"));
        await File.WriteAllBytesAsync(corrupt, bytes[..(bytes.Length / 2)]);
        try
        {
            await page.Locator("[data-testid=file-input]").SetInputFilesAsync([corrupt]);
            await Assertions.Expect(page.Locator("[data-testid=staged-error]")).ToContainTextAsync(Path.GetFileName(corrupt));
            await Assertions.Expect(page.Locator("[data-testid=dataset-name]").Locator("input").Or(page.Locator("input[data-testid=dataset-name]")).First).ToBeVisibleAsync();
            await page.Locator("input[data-testid=dataset-name], [data-testid=dataset-name] input").First.FillAsync("Broken upload");
            await page.ClickAsync("[data-testid=save-dataset]");
            await Assertions.Expect(page.Locator("[data-testid=import-problems]")).ToContainTextAsync(Path.GetFileName(corrupt));
            await ShotAsync(page, "15-upload-corrupt");
            await page.Locator("[data-testid=staged-list] button[aria-label^=Remove]").First.ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=staged-name]")).ToHaveCountAsync(0);

            await page.Locator("[data-testid=file-input]").SetInputFilesAsync([good]);
            await Assertions.Expect(page.Locator("[data-testid=staged-format]")).ToContainTextAsync("nifti");
            await Assertions.Expect(page.Locator("[data-testid=staged-format]")).ToContainTextAsync("79 × 95 × 79");
            await AssertImagesLoadedAsync(page.Locator("[data-testid=staged-preview]"));
            await page.ClickAsync("[data-testid=staged-inspect]");
            await page.Locator("[data-testid=staged-detail] [data-testid=histogram] .main-svg").First.WaitForAsync();
            await Assertions.Expect(page.Locator("[data-testid=staged-detail]")).ToContainTextAsync("scaling");
            await ShotAsync(page, "16-upload-preview");
            await page.Locator("input[data-testid=dataset-name], [data-testid=dataset-name] input").First.FillAsync("Motor t-map");
            await page.ClickAsync("[data-testid=save-dataset]");
            await page.WaitForURLAsync(new Regex($"/w/{workspace}/datasets/[0-9a-f-]{{36}}$"));
            await Assertions.Expect(page.Locator("[data-testid=dataset-title]")).ToHaveTextAsync("Motor t-map");
            await Assertions.Expect(page.Locator("[data-testid=file-shape]")).ToContainTextAsync("79 × 95 × 79");
            await ShotAsync(page, "17-dataset-uploaded");

            await page.GotoAsync($"w/{workspace}/datasets");
            await Assertions.Expect(page.Locator("[data-testid=dataset-link]")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("[data-testid=dataset-list]")).Not.ToContainTextAsync("Broken upload");
        }
        finally
        {
            File.Delete(corrupt);
        }
        Assert.True(_problems.Count == 0, string.Join(Environment.NewLine, _problems));
    }
}
