using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>
/// The foundation scenario in a real browser: two users register; A creates a workspace and invites B
/// as Viewer; B sees it and cannot rename it; a third user sees nothing of it. Screenshots of the main
/// pages are saved under test-artifacts/screenshots, and no page may break the Content-Security-Policy.
/// </summary>
public sealed class TeamWorkflowTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Password = "correct horse battery staple";
    private readonly List<string> _problems = [];

    private async Task<IPage> NewPageAsync()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            ColorScheme = ColorScheme.Light,
        });
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.Contains("Failed to load resource: the server responded with a status of 4", StringComparison.Ordinal))
            {
                _problems.Add($"console error on {page.Url}: {message.Text}");
            }
        };
        page.PageError += (_, error) => _problems.Add($"page error on {page.Url}: {error}");
        return page;
    }

    private static async Task WaitInteractiveAsync(IPage page) =>
        await page.Locator("[data-testid=interactive]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 30_000 });

    private static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });

    private static ILocator Input(IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;

    private static async Task RegisterAsync(IPage page, string email)
    {
        await page.GotoAsync("Account/Register");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.FillAsync("#Input\\.ConfirmPassword", Password);
        await page.ClickAsync("[data-testid=register-submit]");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        await WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=signed-in-user]")).ToHaveTextAsync(email);
        await BrowserFixture.SendAntiforgeryTokenAsync(page);
    }

    [Fact]
    public async Task TwoUsersShareAWorkspace_ViewerCannotRename_OutsiderSeesNothing()
    {
        var alice = await NewPageAsync();
        await alice.GotoAsync("Account/Login");
        await ScreenshotAsync(alice, "01-sign-in");
        await RegisterAsync(alice, "alice@lab.org");
        await Assertions.Expect(alice.Locator("[data-testid=no-workspaces]")).ToBeVisibleAsync();

        await Input(alice, "new-workspace-name").FillAsync("Visual cortex encoding");
        await alice.ClickAsync("[data-testid=create-workspace]");
        await alice.WaitForURLAsync(new Regex("/w/[0-9a-f-]{36}$"));
        var workspaceId = alice.Url[^36..];
        await Assertions.Expect(alice.Locator("[data-testid=workspace-title]")).ToHaveTextAsync("Visual cortex encoding");
        // Plotly drew the activity chart (its SVG root exists) under the CSP.
        await alice.Locator("[data-testid=activity-chart] .main-svg").First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        await Assertions.Expect(alice.Locator("[data-testid=workspace-switcher]")).ToContainTextAsync("Visual cortex encoding");
        await ScreenshotAsync(alice, "03-workspace-overview");

        var bob = await NewPageAsync();
        await RegisterAsync(bob, "bob@lab.org");

        await alice.ClickAsync("[data-testid=members-link]");
        await alice.WaitForURLAsync(new Regex("/settings$"));
        await Input(alice, "invite-email").FillAsync("bob@lab.org");
        await alice.ClickAsync("[data-testid=invite-submit]");
        await Assertions.Expect(alice.Locator("[data-testid=member-email]")).ToHaveCountAsync(2);
        await Assertions.Expect(alice.Locator("[data-testid=member-list]")).ToContainTextAsync("bob@lab.org");
        await ScreenshotAsync(alice, "04-members-owner");

        await bob.GotoAsync("");
        await WaitInteractiveAsync(bob);
        var card = bob.Locator("[data-testid=workspace-card]");
        await Assertions.Expect(card).ToHaveCountAsync(1);
        await Assertions.Expect(card).ToContainTextAsync("Visual cortex encoding");
        await Assertions.Expect(card.Locator("[data-testid=role-chip]")).ToHaveTextAsync("Viewer");
        await ScreenshotAsync(bob, "02-home-viewer");
        await bob.GotoAsync($"w/{workspaceId}/settings");
        await WaitInteractiveAsync(bob);
        await Assertions.Expect(bob.Locator("[data-testid=rename-readonly]")).ToHaveTextAsync("Visual cortex encoding");
        await Assertions.Expect(Input(bob, "rename-input")).ToHaveCountAsync(0);
        await Assertions.Expect(bob.Locator("[data-testid=member-remove]")).ToHaveCountAsync(0);
        await ScreenshotAsync(bob, "05-members-viewer");
        // The browser's cookie also drives the API: a Viewer's rename is refused there too.
        var rename = await bob.Context.APIRequest.PatchAsync($"api/v1/workspaces/{workspaceId}", new APIRequestContextOptions { DataObject = new { name = "Bob's lab" } });
        Assert.Equal(403, rename.Status);

        var carol = await NewPageAsync();
        await RegisterAsync(carol, "carol@lab.org");
        await Assertions.Expect(carol.Locator("[data-testid=no-workspaces]")).ToBeVisibleAsync();
        await carol.GotoAsync($"w/{workspaceId}");
        await WaitInteractiveAsync(carol);
        await Assertions.Expect(carol.Locator("[data-testid=workspace-not-found]")).ToBeVisibleAsync();
        await Assertions.Expect(carol.Locator("body")).Not.ToContainTextAsync("Visual cortex encoding");
        var peek = await carol.Context.APIRequest.GetAsync($"api/v1/workspaces/{workspaceId}");
        Assert.Equal(404, peek.Status);
        await ScreenshotAsync(carol, "06-outsider-not-found");

        // Alice's name is unchanged after everything.
        await alice.GotoAsync($"w/{workspaceId}");
        await Assertions.Expect(alice.Locator("[data-testid=workspace-title]")).ToHaveTextAsync("Visual cortex encoding");
        await Assertions.Expect(alice.Locator("[data-testid=activity-list]")).ToContainTextAsync("Added bob@lab.org as Viewer");

        Assert.True(_problems.Count == 0, string.Join(Environment.NewLine, _problems));
    }

    [Fact]
    public async Task TokensPage_ShowsSecretOnce_DarkThemePersists()
    {
        var page = await NewPageAsync();
        await RegisterAsync(page, "dana@lab.org");
        await page.GotoAsync("settings/tokens");
        await WaitInteractiveAsync(page);
        await Input(page, "token-name").FillAsync("cluster scripts");
        await page.ClickAsync("[data-testid=token-create]");
        var secret = await page.Locator("[data-testid=token-secret]").TextContentAsync();
        Assert.StartsWith("nlpat_", secret, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("[data-testid=token-list]")).ToContainTextAsync("cluster scripts");
        await ScreenshotAsync(page, "07-api-tokens");

        // The token works for a script.
        var api = await fixture.Playwright.APIRequest.NewContextAsync(new APIRequestNewContextOptions
        {
            BaseURL = fixture.BaseAddress.ToString(),
            ExtraHTTPHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + secret },
        });
        Assert.Equal(200, (await api.GetAsync("api/v1/workspaces")).Status);

        await page.ReloadAsync();
        await WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=token-secret]")).ToHaveCountAsync(0);

        await page.ClickAsync("[data-testid=theme-toggle]");
        // The choice travels browser -> server -> browser before it is stored; wait for it, then reload.
        await page.WaitForFunctionAsync("() => window.localStorage.getItem('neurolab.theme') === 'dark'");
        await page.ReloadAsync();
        await WaitInteractiveAsync(page);
        // The stored preference is applied on reload: MudBlazor's dark palette gives the page a dark
        // background (every channel below 100; the light theme's is rgb(246, 247, 251)).
        await Assertions.Expect(page.Locator("body")).ToHaveCSSAsync("background-color", new Regex(@"^rgb\(\d{1,2}, \d{1,2}, \d{1,2}\)$"));
        await page.GotoAsync("about");
        await WaitInteractiveAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=libtorch]")).ToContainTextAsync(new Regex(@"^2\.\d+"));
        await ScreenshotAsync(page, "08-about-dark");

        Assert.True(_problems.Count == 0, string.Join(Environment.NewLine, _problems));
    }
}
