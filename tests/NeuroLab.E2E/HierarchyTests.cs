using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>The hierarchy figure from the browser: the kind is offered with defaults that fit the data, runs, and plots.</summary>
public sealed class HierarchyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static Task InteractiveAsync(IPage page) =>
        page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    [Fact]
    public async Task Hierarchy_FromTheDatasetPage_RunsAndShowsTheStagePlotAndTable()
    {
        var alice = await fixture.RegisterAsync("hierarchy@lab.org");
        var workspace = await BrowserFixture.CreateWorkspaceAsync(alice, "Hierarchy");
        await alice.GotoAsync($"w/{workspace}/datasets/samples");
        await InteractiveAsync(alice);
        await alice.Locator("[data-sample=allen-v1] [data-testid=add-sample-button]").ClickAsync();
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/datasets/[0-9a-f-]{{36}}$"));

        await alice.Locator("[data-testid=dataset-fit-kind]", new PageLocatorOptions { HasTextString = "Feature hierarchy" }).ClickAsync();
        await alice.WaitForURLAsync(new Regex("kind=encoding-hierarchy$"));
        await InteractiveAsync(alice);
        // The default hierarchy is the built-in network's stages; two of them keep this test short on a 2-core machine.
        var stages = alice.Locator("input[data-testid=run-param-stages], [data-testid=run-param-stages] input").First;
        await Assertions.Expect(stages).ToHaveValueAsync(new Regex("resnet18:stem.*resnet18:pool"));
        await stages.FillAsync("[\"pixels\", \"resnet18:stem\", \"resnet18:layer1\"]");
        await stages.BlurAsync();
        await alice.ClickAsync("[data-testid=run-submit]");

        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/[0-9a-f-]{{36}}$"));
        await Assertions.Expect(alice.Locator("h1")).ToHaveTextAsync("encoding-hierarchy");
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 180_000 });
        await alice.Locator("[data-testid=hierarchy-panel] .main-svg").First.WaitForAsync();
        await Assertions.Expect(alice.Locator("[data-testid=hierarchy-table]")).ToContainTextAsync("all units");
        await Assertions.Expect(alice.Locator("[data-testid=hierarchy-table]")).ToContainTextAsync("resnet18:layer1");
        // Every stage's mean comes with its 95% interval over resamples of the test stimuli, drawn as error bars too.
        await Assertions.Expect(alice.Locator("[data-testid=hierarchy-interval-note]")).ToContainTextAsync("200 resamples of the test stimuli");
        await Assertions.Expect(alice.Locator("[data-testid=hierarchy-table]")).ToContainTextAsync(new Regex("-?0\\.\\d{3}\\s*\\[-?0\\.\\d{3}, -?0\\.\\d{3}\\]"));
        await Assertions.Expect(alice.Locator("[data-testid=hierarchy-panel] .errorbars path").First).ToBeAttachedAsync();
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "42-hierarchy-run.png"), FullPage = true });

        await alice.GotoAsync($"w/{workspace}/runs");
        await Assertions.Expect(alice.Locator("[data-testid=run-list] [data-testid=run-headline]").First).ToContainTextAsync("best stage");
    }

    [Fact]
    public async Task ResNetLayer4_ChosenInTheRidgeForm_ExtractionProgressShowsLive()
    {
        var alice = await fixture.RegisterAsync("network@lab.org");
        var workspace = await BrowserFixture.CreateWorkspaceAsync(alice, "Digits on ResNet");
        await alice.GotoAsync($"w/{workspace}/datasets/samples");
        await InteractiveAsync(alice);
        // The digits' 100 images are used by no other browser test, so their network features are not cached yet.
        await alice.Locator("[data-sample=vangerven-digits] [data-testid=add-sample-button]").ClickAsync();
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/datasets/[0-9a-f-]{{36}}$"));
        await InteractiveAsync(alice);
        await alice.ClickAsync("[data-testid=dataset-fit-model]");
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/new\\?datasetId="));
        await InteractiveAsync(alice);

        await alice.ClickAsync("[data-testid=run-features]");
        await alice.Locator(".mud-popover-open .mud-list-item", new PageLocatorOptions { HasTextString = "ResNet-18 (ImageNet) layer4" }).First.ClickAsync();
        await Assertions.Expect(alice.Locator("[data-testid=run-pool-grid]")).ToBeVisibleAsync();
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "43-resnet-layer4-form.png"), FullPage = true });
        await alice.ClickAsync("[data-testid=run-submit]");
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/[0-9a-f-]{{36}}$"));

        // Live: the network's feature extraction reports images done out of 100 while it runs.
        await Assertions.Expect(alice.Locator("[data-testid=run-live]")).ToContainTextAsync(new Regex("features \\d+/100"), new LocatorAssertionsToContainTextOptions { Timeout = 60_000 });
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "44-resnet-extraction-live.png"), FullPage = true });
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 180_000 });
        await Assertions.Expect(alice.Locator("[data-testid=run-log]")).ToContainTextAsync("ResNet-18 layer4, 512 channels x 2x2 cells = 2048 features");
        await Assertions.Expect(alice.Locator("[data-testid=run-mean-r]")).ToContainTextAsync("mean r");
    }
}
