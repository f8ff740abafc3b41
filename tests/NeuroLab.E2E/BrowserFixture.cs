using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>
/// One app server (Kestrel on 127.0.0.1, temporary data) and one headless Debian Chromium for the
/// whole class. Playwright's own browser download is never used: this machine has no internet.
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    public BrowserFixture()
        : this(null)
    {
    }

    /// <summary>A server with extra registrations (e.g. a run kind from the tests).</summary>
    protected BrowserFixture(Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services) => App = new(useKestrel: true, services: services);

    public NeuroLabAppFactory App { get; }

    public IPlaywright Playwright { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    public Uri BaseAddress { get; private set; } = default!;

    /// <summary>
    /// Registers a new account in a fresh browser context (1280x900) and returns its page once the circuit is interactive.
    /// </summary>
    public async Task<IPage> RegisterAsync(string email, string password = "correct horse battery staple")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync("Account/Register");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", password);
        await page.FillAsync("#Input\\.ConfirmPassword", password);
        await page.ClickAsync("[data-testid=register-submit]");
        await page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await SendAntiforgeryTokenAsync(page);
        return page;
    }

    /// <summary>
    /// Makes the page's context send the signed-in page's antiforgery token with every request, as the app's own
    /// scripts do: API writes authenticated by the browser cookie are refused without it (a CSRF defence), so tests
    /// that call the API through <c>page.Context.APIRequest</c> need it.
    /// </summary>
    public static async Task SendAntiforgeryTokenAsync(IPage page)
    {
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        Assert.False(string.IsNullOrEmpty(token), "the signed-in page renders no antiforgery token");
        await page.Context.SetExtraHTTPHeadersAsync(new Dictionary<string, string> { ["RequestVerificationToken"] = token! });
    }

    /// <summary>
    /// Creates a workspace from the home page and returns its id. The name is typed, and the click waits until the
    /// field's counter shows the server received it, so a slow circuit cannot submit an empty name. On failure a
    /// screenshot is saved for diagnosis.
    /// </summary>
    public static async Task<string> CreateWorkspaceAsync(IPage page, string name)
    {
        var field = page.Locator("input[data-testid=new-workspace-name], [data-testid=new-workspace-name] input").First;
        await field.FillAsync(name);
        await Assertions.Expect(page.Locator(".mud-input-control:has([data-testid=new-workspace-name]), .mud-input-control:has(input[data-testid=new-workspace-name])").First)
            .ToContainTextAsync($"{name.Length} /", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
        await page.ClickAsync("[data-testid=create-workspace]");
        try
        {
            // Polls the address rather than waiting for a navigation event: the app navigates client-side, and once a
            // wait for the event timed out although the workspace page was showing.
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/w/[0-9a-f-]{36}$"), new PageAssertionsToHaveURLOptions { Timeout = 60_000 });
        }
        catch (PlaywrightException)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, $"failed-create-workspace-{Guid.NewGuid():N}.png"), FullPage = true });
            throw;
        }
        return page.Url[^36..];
    }

    /// <summary>Where screenshots go: $NEUROLAB_TEST_ARTIFACTS, else &lt;repo&gt;/test-artifacts/screenshots.</summary>
    public static string ScreenshotDirectory
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("NEUROLAB_TEST_ARTIFACTS");
            var root = string.IsNullOrEmpty(configured) ? Path.Combine(SharedData.RepositoryRoot, "test-artifacts") : configured;
            var dir = Path.Combine(root, "screenshots");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    public async Task InitializeAsync()
    {
        // Playwright's 5 s default for expectations is tight for work that crosses the server on a busy 2-core CI
        // machine (upload, inspection, re-render over the circuit); 20 s still fails fast on a real bug.
        Assertions.SetDefaultExpectTimeout(20_000);
        BaseAddress = App.ServerAddress;
        var executable = Environment.GetEnvironmentVariable("NEUROLAB_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Chromium not found at {executable}. Install it with `apt-get install -y chromium` (the .ci/run script does).");
        }
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
        await App.DisposeAsync();
    }
}
