using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>Decoding from the browser: import Haxby, run the decoding kind with the form's defaults, see accuracy, null and the confusion matrix.</summary>
public sealed class DecodingTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static Task InteractiveAsync(IPage page) =>
        page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    [Fact]
    public async Task Decoding_HaxbyWithTheFormsDefaults_ShowsTheConfusionMatrix()
    {
        var alice = await fixture.RegisterAsync("decoding@lab.org");
        // plotly.js arrives late, as on a slow link: draws queue up meanwhile, and the run page's charts ask for the
        // full bundle while the basic one may still be loading; each chart draws again once its bundle is in (PlotlyFigure).
        await alice.RouteAsync("**/plotly-3.*.min.js", async route =>
        {
            await Task.Delay(3000);
            await route.ContinueAsync();
        });
        var workspace = await BrowserFixture.CreateWorkspaceAsync(alice, "Categories");
        await alice.GotoAsync($"w/{workspace}/datasets/samples");
        await InteractiveAsync(alice);
        await alice.Locator("[data-sample=haxby2001-sub1] [data-testid=add-sample-button]").ClickAsync();
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/datasets/[0-9a-f-]{{36}}$"), new PageWaitForURLOptions { Timeout = 120_000 });
        await InteractiveAsync(alice);

        await alice.Locator("[data-testid=dataset-fit-kind]", new PageLocatorOptions { HasTextString = "Decoding" }).ClickAsync();
        await alice.WaitForURLAsync(new Regex("kind=decoding$"));
        await InteractiveAsync(alice);
        await Assertions.Expect(alice.Locator("[data-testid=run-kind-description]")).ToContainTextAsync("Leave-one-run-out decoding");
        await alice.ClickAsync("[data-testid=run-submit]");

        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/[0-9a-f-]{{36}}$"));
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 180_000 });
        await Assertions.Expect(alice.Locator("[data-testid=decoding-accuracy]")).ToContainTextAsync("chance 12.5%");
        await Assertions.Expect(alice.Locator("[data-testid=decoding-accuracy]")).ToContainTextAsync("permutation p =");
        // The confusion matrix: a heatmap (one raster image) with the 8 categories on its axes and counts in its cells.
        await alice.Locator("[data-testid=decoding-confusion] .main-svg").First.WaitForAsync();
        await Assertions.Expect(alice.Locator("[data-testid=decoding-confusion] image").First).ToBeAttachedAsync();
        await Assertions.Expect(alice.Locator("[data-testid=decoding-confusion]")).ToContainTextAsync("scissors");
        await Assertions.Expect(alice.Locator("[data-testid=decoding-confusion]")).ToContainTextAsync("predicted");
        await Assertions.Expect(alice.Locator("[data-testid=decoding-null] .main-svg").First).ToBeAttachedAsync();
        await Assertions.Expect(alice.Locator("[data-testid=decoding-recall]")).ToContainTextAsync("face");
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "75-decoding-run.png"), FullPage = true });

        // Left while plotly.js is still loading: the dataset page's charts queue their draws and go away; the run
        // page's charts are queued behind them (Plotly.Blazor drops the rest of its queue when a draw for a chart that
        // left throws) and must still be drawn once the bundle is in.
        var runUrl = alice.Url;
        await alice.GotoAsync($"w/{workspace}/datasets");
        await InteractiveAsync(alice);
        await alice.Locator("[data-testid=dataset-link]").First.ClickAsync();
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/datasets/[0-9a-f-]{{36}}$"));
        await InteractiveAsync(alice);
        await alice.EvaluateAsync("url => Blazor.navigateTo(url)", runUrl);
        await alice.WaitForURLAsync(runUrl);
        await Assertions.Expect(alice.Locator("[data-testid=decoding-confusion] image").First).ToBeAttachedAsync();
        await Assertions.Expect(alice.Locator("[data-testid=decoding-null] .main-svg").First).ToBeAttachedAsync();
        await Assertions.Expect(alice.Locator("[data-testid=decoding-null] .bars path").First).ToBeAttachedAsync();
    }
}
