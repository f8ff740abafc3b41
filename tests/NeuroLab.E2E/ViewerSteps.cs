using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>Steps on the brain viewer shared by the browser tests.</summary>
public static class ViewerSteps
{
    /// <summary>Opens a viewer address and waits until the circuit is interactive and NiiVue has drawn.</summary>
    public static async Task OpenAsync(IPage page, string address)
    {
        await page.GotoAsync(address);
        await page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 60_000 });
        await page.Locator("[data-testid=brain-viewer][data-ready=true]").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
    }

    /// <summary>Types "x, y, z" into the crosshair's go-to field and waits until the readout shows it.</summary>
    public static async Task GotoAsync(IPage page, string mm)
    {
        await page.Locator("input[data-testid=viewer-goto], [data-testid=viewer-goto] input").First.FillAsync(mm);
        await page.ClickAsync("[data-testid=viewer-goto-button]");
        await Assertions.Expect(page.Locator("[data-testid=readout-mm]")).ToHaveTextAsync(mm);
    }

    /// <summary>A full-page screenshot into the screenshot folder.</summary>
    public static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
}
