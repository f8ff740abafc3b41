using System.Text.RegularExpressions;
using Microsoft.Playwright;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Tests.Shared.ToyKind;

namespace NeuroLab.E2E;

/// <summary>A server with the toy run kind of the tests registered next to the product's kinds (one line).</summary>
public sealed class ToyKindBrowserFixture() : BrowserFixture(services => services.AddRunKind<ToyParameters, ToySummary, ToyJob>());

/// <summary>
/// A run kind added from the tests alone (its folder + one registration, no page code) is offered on the new-run
/// page with a form built from its parameters record, runs, and shows its result on the run page and in the run list.
/// </summary>
public sealed class ToyRunKindTests(ToyKindBrowserFixture fixture) : IClassFixture<ToyKindBrowserFixture>
{
    private static Task InteractiveAsync(IPage page) =>
        page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    [Fact]
    public async Task ToyKind_FromTheTestsOnly_IsOfferedRunsAndShowsItsResult()
    {
        var alice = await fixture.RegisterAsync("toy@lab.org");
        var workspace = await BrowserFixture.CreateWorkspaceAsync(alice, "Toy kinds");
        await alice.GotoAsync($"w/{workspace}/datasets/samples");
        await InteractiveAsync(alice);
        await alice.Locator("[data-sample=allen-v1] [data-testid=add-sample-button]").ClickAsync();
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/datasets/[0-9a-f-]{{36}}$"));
        // The dataset page offers the kinds that fit it, the toy among them, each opening the form prefilled.
        await Assertions.Expect(alice.Locator("[data-testid=dataset-kinds]")).ToContainTextAsync(ToyJob.Info.Label);
        await alice.Locator("[data-testid=dataset-fit-kind]", new PageLocatorOptions { HasTextString = ToyJob.Info.Label }).ClickAsync();
        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/new\\?datasetId=[0-9a-f-]{{36}}&kind={ToyJob.Name}$"));
        await InteractiveAsync(alice);
        await Assertions.Expect(alice.Locator("[data-testid=run-generic-form]")).ToBeVisibleAsync();
        // The generic form: one field per parameter of the record, with its default.
        await Assertions.Expect(alice.Locator("[data-testid=run-kind-description]")).ToContainTextAsync("mean or max response");
        var statistic = alice.Locator("input[data-testid=run-param-statistic], [data-testid=run-param-statistic] input").First;
        await Assertions.Expect(statistic).ToHaveValueAsync("mean");
        await statistic.FillAsync("max");
        await statistic.BlurAsync();
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "40-toy-kind-form.png"), FullPage = true });
        await alice.ClickAsync("[data-testid=run-submit]");

        await alice.WaitForURLAsync(new Regex($"/w/{workspace}/runs/[0-9a-f-]{{36}}$"));
        await Assertions.Expect(alice.Locator("h1")).ToHaveTextAsync(ToyJob.Name);
        await Assertions.Expect(alice.Locator("[data-testid=run-kind-label]")).ToHaveTextAsync(ToyJob.Info.Label);
        await Assertions.Expect(alice.Locator("[data-testid=run-status]")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 60_000 });
        await Assertions.Expect(alice.Locator("[data-testid=run-headline]")).ToContainTextAsync("max response");
        await Assertions.Expect(alice.Locator("[data-testid=run-artifacts]")).ToContainTextAsync("unit_statistic.npy");
        await alice.Locator("[data-testid=run-result] .main-svg").First.WaitForAsync();
        await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "41-toy-kind-run.png"), FullPage = true });

        await alice.GotoAsync($"w/{workspace}/runs");
        await Assertions.Expect(alice.Locator("[data-testid=run-list]")).ToContainTextAsync(ToyJob.Name);
        await Assertions.Expect(alice.Locator("[data-testid=run-list] [data-testid=run-headline]").First).ToContainTextAsync("max response");
    }
}
