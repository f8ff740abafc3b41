using Microsoft.Playwright;

namespace NeuroLab.E2E;

/// <summary>Local-account life cycle in the browser: change password, sign out, sign in, lockout.</summary>
public sealed class AccountLifecycleTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string OldPassword = "first long passphrase";
    private const string NewPassword = "second long passphrase";

    private async Task<IPage> NewPageAsync() =>
        await (await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseAddress.ToString() })).NewPageAsync();

    private static async Task SignInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("Account/Login");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", password);
        await page.ClickAsync("[data-testid=login-submit]");
    }

    [Fact]
    public async Task ChangePassword_SignOut_SignInWithNew_ThenLockout()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("Account/Register");
        await page.FillAsync("#Input\\.Email", "erin@lab.org");
        await page.FillAsync("#Input\\.Password", OldPassword);
        await page.FillAsync("#Input\\.ConfirmPassword", OldPassword);
        await page.ClickAsync("[data-testid=register-submit]");
        await Assertions.Expect(page.Locator("[data-testid=signed-in-user]")).ToHaveTextAsync("erin@lab.org");

        await page.GotoAsync("Account/Manage/ChangePassword");
        await page.FillAsync("#Input\\.OldPassword", OldPassword);
        await page.FillAsync("#Input\\.NewPassword", NewPassword);
        await page.FillAsync("#Input\\.ConfirmPassword", NewPassword);
        await page.ClickAsync("[data-testid=change-password-submit]");
        await Assertions.Expect(page.Locator("[data-testid=status-message]")).ToContainTextAsync("password has been changed");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "09-change-password.png") });

        await page.ClickAsync("[data-testid=sign-out]");
        await Assertions.Expect(page.Locator("[data-testid=signed-in-user]")).ToHaveCountAsync(0);

        await SignInAsync(page, "erin@lab.org", OldPassword);
        await Assertions.Expect(page.Locator("[data-testid=status-message]")).ToContainTextAsync("wrong email or password");
        await SignInAsync(page, "erin@lab.org", NewPassword);
        await Assertions.Expect(page.Locator("[data-testid=signed-in-user]")).ToHaveTextAsync("erin@lab.org");
        await page.ClickAsync("[data-testid=sign-out]");

        // Five failures lock the account (one already counted above was reset by the successful sign-in).
        for (int i = 0; i < 5; i++)
        {
            await SignInAsync(page, "erin@lab.org", "wrong " + i + " passphrase");
        }
        await Assertions.Expect(page.Locator("[data-testid=lockout]")).ToBeVisibleAsync();
        await SignInAsync(page, "erin@lab.org", NewPassword);
        await Assertions.Expect(page.Locator("[data-testid=lockout]")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "10-lockout.png") });
    }

    [Fact]
    public async Task ProtectedPage_WhenSignedOut_RedirectsToSignInAndBack()
    {
        var page = await NewPageAsync();
        await page.GotoAsync("settings/tokens");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/Account/Login");
        Assert.Contains("settings%2Ftokens", page.Url, StringComparison.OrdinalIgnoreCase);
        await page.ClickAsync("text=Create an account");
        // Blazor's enhanced navigation swaps the page in place: wait for the register form, not the old login form.
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/Account/Register");
        await page.Locator("#Input\\.ConfirmPassword").WaitForAsync();
        await page.FillAsync("#Input\\.Email", "fay@lab.org");
        await page.FillAsync("#Input\\.Password", OldPassword);
        await page.FillAsync("#Input\\.ConfirmPassword", OldPassword);
        await page.ClickAsync("[data-testid=register-submit]");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/settings/tokens");
    }
}
