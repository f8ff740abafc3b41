using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>Functional networks from the browser: import ABIDE, run networks with the form's defaults, see the heatmap and the circular graph.</summary>
public sealed class NetworksTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static Task InteractiveAsync(IPage page) =>
        page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    [Fact]
    public async Task Networks_AbideWithTheFormsDefaults_ShowsHeatmapAndCircularGraph()
    {
        var alice = await fixture.RegisterAsync("networks@lab.org");
        var workspace = await BrowserFixture.CreateWorkspaceAsync(alice, "Networks");
        await alice.GotoAsync($"w/{workspace}/datasets/samples");
        await InteractiveAsync(alice);
        await alice.Locator("[data-sample=abide-cc200] [data-testid=add-sample-button]").ClickAsync();
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/datasets/[0-9a-f-]{{36}}$"));

        await alice.Locator("[data-testid=dataset-fit-kind]", new PageLocatorOptions { HasTextString = "Functional networks" }).ClickAsync();
        await alice.WaitForURLAsync(new Regex("kind=networks$"));
        await InteractiveAsync(alice);
        await Assertions.Expect(alice.Locator("[data-testid=run-kind-description]")).ToContainTextAsync("Connectivity between regions");
        await alice.ClickAsync("[data-testid=run-submit]");

        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/[0-9a-f-]{{36}}$"));
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 180_000 });
        await Assertions.Expect(alice.Locator("[data-testid=networks-table]")).ToContainTextAsync("Pitt_0050003");
        await alice.Locator("[data-testid=networks-heatmap] .main-svg").First.WaitForAsync();
        await alice.Locator("[data-testid=circular-graph] .main-svg").First.WaitForAsync();
        // Plotly draws a heatmap as one raster image; the graph's edges and regions are two scatter traces.
        await Assertions.Expect(alice.Locator("[data-testid=networks-heatmap] image").First).ToBeAttachedAsync();
        await Assertions.Expect(alice.Locator("[data-testid=circular-graph] .scatterlayer .trace").Nth(1)).ToBeAttachedAsync();
        await Assertions.Expect(alice.Locator("[data-testid=networks-nodes]")).ToContainTextAsync("region");
        await alice.Locator("[data-testid=networks-difference-heatmap] .main-svg").First.WaitForAsync();
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "70-networks-run.png"), FullPage = true });
    }
}
