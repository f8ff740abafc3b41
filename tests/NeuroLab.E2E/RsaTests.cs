using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>
/// RSA from the browser on the Kriegeskorte 92-image sample: offered on the dataset page, runs, and shows the standard
/// figure (bars, error bars, noise-ceiling band), tRSA thresholds shared live with a second viewer, and the RDMs with
/// the stimuli of the cell under the pointer.
/// </summary>
public sealed class RsaTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static Task InteractiveAsync(IPage page) =>
        page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    [Fact]
    public async Task K92Rsa_FromTheDatasetPage_BarsWithCeilingRdmsAndSharedTrsa()
    {
        var alice = await fixture.RegisterAsync("rsa@lab.org");
        var workspace = await BrowserFixture.CreateWorkspaceAsync(alice, "Object vision");
        await alice.GotoAsync($"w/{workspace}/datasets/samples");
        await InteractiveAsync(alice);
        await alice.Locator("[data-sample=kriegeskorte-92] [data-testid=add-sample-button]").ClickAsync();
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/datasets/[0-9a-f-]{{36}}$"));
        await InteractiveAsync(alice);

        // A dataset without response sets: RSA is offered for its RDMs and images.
        await alice.Locator("[data-testid=dataset-fit-kind]", new PageLocatorOptions { HasTextString = "Representational similarity" }).ClickAsync();
        await alice.WaitForURLAsync(new Regex("kind=rsa$"));
        await InteractiveAsync(alice);
        var features = alice.Locator("input[data-testid=run-param-features], [data-testid=run-param-features] input").First;
        await Assertions.Expect(features).ToHaveValueAsync(new Regex("pixels.*gabor.*resnet18:layer4"));
        // Two feature spaces and 200 resamples keep the run short on a 2-core machine (the defaults are run in Compute's tests).
        await features.FillAsync("[\"pixels\", \"resnet18:layer4\"]");
        await features.BlurAsync();
        var resamples = alice.Locator("input[data-testid=run-param-resamples], [data-testid=run-param-resamples] input").First;
        await resamples.FillAsync("200");
        await resamples.BlurAsync();
        await alice.ClickAsync("[data-testid=run-submit]");

        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/[0-9a-f-]{{36}}$"));
        var runUrl = alice.Url;
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 240_000 });
        await alice.Locator("[data-testid=rsa-bars] .main-svg").First.WaitForAsync();
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "60-rsa-bars.png"), FullPage = true });
        // The standard figure: bars with error bars and the noise ceiling band of the 4 subjects.
        await Assertions.Expect(alice.Locator("[data-testid=rsa-ceiling]")).ToContainTextAsync(new Regex("noise ceiling \\[0\\.25\\d, 0\\.47\\d\\] from 4 subjects"));
        await Assertions.Expect(alice.Locator("[data-testid=rsa-bars] path.yerror").First).ToBeAttachedAsync();
        await Assertions.Expect(alice.Locator("[data-testid=rsa-bars] .shapelayer path, [data-testid=rsa-bars] .layer-below path").First).ToBeAttachedAsync();
        await Assertions.Expect(alice.Locator("[data-testid=rsa-bars]")).ToContainTextAsync("animacy");

        // A second viewer of the run sees the tRSA thresholds move when the first moves them.
        var second = await alice.Context.NewPageAsync();
        await second.GotoAsync(runUrl);
        await InteractiveAsync(second);
        await second.Locator("[data-testid=trsa-bars] .main-svg").First.WaitForAsync();
        await Assertions.Expect(second.Locator("[data-testid=trsa-panel]")).ToContainTextAsync("lower 0.00");
        var lower = alice.Locator("[data-testid=trsa-lower] input[type=range], input[type=range][data-testid=trsa-lower]").First;
        await lower.FocusAsync();
        for (int i = 0; i < 4; i++)
        {
            await alice.Keyboard.PressAsync("ArrowRight");
        }
        await Assertions.Expect(alice.Locator("[data-testid=trsa-values]")).ToContainTextAsync("At lower 0.20");
        await Assertions.Expect(second.Locator("[data-testid=trsa-values]")).ToContainTextAsync("At lower 0.20");
        await Assertions.Expect(second.Locator("[data-testid=trsa-by]")).ToContainTextAsync("rsa@lab.org");
        await second.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "61-rsa-trsa-shared.png"), FullPage = true });

        // The RDM heatmap: the cell under the pointer shows its two stimuli.
        var heatmap = alice.Locator("[data-testid=rdm-heatmap] .nsewdrag").First;
        await heatmap.ScrollIntoViewIfNeededAsync();
        var box = await heatmap.BoundingBoxAsync();
        Assert.NotNull(box);
        await alice.Mouse.MoveAsync(box.X + box.Width * 0.2f, box.Y + box.Height * 0.7f);
        await alice.Mouse.MoveAsync(box.X + box.Width * 0.25f, box.Y + box.Height * 0.75f);
        await Assertions.Expect(alice.Locator("[data-testid=rdm-hover] [data-testid=rdm-thumb]")).ToHaveCountAsync(2);
        await Assertions.Expect(alice.Locator("[data-testid=rdm-hover-value]")).ToContainTextAsync("dissimilarity");
        await Assertions.Expect(alice.Locator("[data-testid=rsa-mds] .main-svg").First).ToBeAttachedAsync();
        await Assertions.Expect(alice.Locator("[data-testid=rsa-matrix] .main-svg").First).ToBeAttachedAsync();
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "62-rsa-rdms.png"), FullPage = true });

        await alice.GotoAsync($"w/{workspace}/runs");
        await Assertions.Expect(alice.Locator("[data-testid=run-list] [data-testid=run-headline]").First).ToContainTextAsync("vs hIT");
    }
}
