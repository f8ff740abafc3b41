using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using NeuroLab.Data.Identity;
using NeuroLab.Web.Security;
using NeuroLab.Web.Security.Passwords;

namespace NeuroLab.Web.Tests.Security;

/// <summary>One Kestrel server with a sign-in limit of 2, shared by the path-variant cases (each uses its own client addresses).</summary>
public sealed class SignInLimitServer : IDisposable
{
    private static int _nextAddress;

    public const int Limit = 2;

    public NeuroLabAppFactory Factory { get; } = new(useKestrel: true, settings: new Dictionary<string, string?>
    {
        ["NeuroLab:Security:SignInPermitLimit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["NeuroLab:Security:SignInWindowSeconds"] = "3600",
    });

    /// <summary>A loopback address no other case has used (127.0.1.x, 127.0.2.x, ...).</summary>
    public static IPAddress NewClient()
    {
        var n = Interlocked.Increment(ref _nextAddress);
        return new IPAddress([127, 0, (byte)(1 + n / 250), (byte)(1 + n % 250)]);
    }

    public void Dispose() => Factory.Dispose();
}

/// <summary>
/// Regression tests for the sign-in findings of issue 9: the rate limit keyed on endpoints (not path
/// strings), the password policy, lockout ending existing sessions, and off-site return URLs.
/// </summary>
public sealed class SecurityRegressionAuthTests(SignInLimitServer server) : IClassFixture<SignInLimitServer>
{
    private const string BadLogin = """{"email":"nobody@lab.org","password":"not the password"}""";
    private const string BadRegistration = """{"email":"nobody@lab.org","password":"short"}""";
    private const string LoginForm = "_handler=login&Input.Email=nobody%40lab.org&Input.Password=not+the+password";

    public static TheoryData<string, string, string, string> PathVariants() => new()
    {
        // canonical path, method, variant target, body
        { "/api/v1/account/login", "POST", "/api/v1/account/login/", BadLogin },
        { "/api/v1/account/login", "POST", "/API/V1/ACCOUNT/LOGIN", BadLogin },
        { "/api/v1/account/login", "POST", "/api/v1/Account/Login/", BadLogin },
        { "/api/v1/account/login", "POST", "/api/v1//account/login", BadLogin },
        { "/api/v1/account/login", "POST", "//api/v1/account/login", BadLogin },
        { "/api/v1/account/login", "POST", "/api/v1/account/%6Cogin", BadLogin },
        { "/api/v1/account/login", "POST", "/api/v1/account/login%2F", BadLogin },
        { "/api/v1/account/login", "POST", "/api%2Fv1/account/login", BadLogin },
        { "/api/v1/account/login", "POST", "/api/v1/account/./login", BadLogin },
        { "/api/v1/account/login", "POST", "/api/v1/x/../account/login", BadLogin },
        { "/api/v1/account/login", "POST", "/api/v1/account/login?x=1", BadLogin },
        { "/api/v1/account/login", "POST", "/api/v1/account/login;x=1", BadLogin },
        { "/api/v1/account/login", "POST", "/api/v1/account/login%20", BadLogin },
        { "/api/v1/account/login", "HEAD", "/api/v1/account/login", BadLogin },
        { "/api/v1/account/login", "PUT", "/api/v1/account/login", BadLogin },
        { "/api/v1/account/register", "POST", "/api/v1/account/register/", BadRegistration },
        { "/api/v1/account/register", "POST", "/api/v1/ACCOUNT/%72egister", BadRegistration },
        { "/api/v1/account/refresh", "POST", "/api/v1/account/refresh/", """{"refreshToken":"forged"}""" },
        { "/api/v1/account/refresh", "POST", "/Api/V1/Account/Refresh", """{"refreshToken":"forged"}""" },
        { "/Account/Login", "POST", "/account/login", LoginForm },
        { "/Account/Login", "POST", "/Account/Login/", LoginForm },
        { "/Account/Login", "POST", "/%41ccount/Login?ReturnUrl=%2F", LoginForm },
        { "/Account/Register", "POST", "/ACCOUNT/REGISTER/", LoginForm },
    };

    [Theory]
    [MemberData(nameof(PathVariants))]
    public async Task SignInLimit_PathVariant_IsLimitedWheneverItReachesTheEndpoint(string canonical, string method, string variant, string body)
    {
        var url = server.Factory.ServerAddress;
        var form = body == LoginForm;
        var contentType = form ? "application/x-www-form-urlencoded" : "application/json";

        // Does this spelling reach the sign-in endpoint? It does when it answers exactly as the canonical path
        // does (status, media type, problem title), both from fresh addresses so nothing is limited yet.
        var expected = await AuthTestClients.RawAsync(url, SignInLimitServer.NewClient(), "POST", canonical, body, contentType);
        var first = await AuthTestClients.RawAsync(url, SignInLimitServer.NewClient(), method, variant, body, contentType);
        Assert.NotEqual(StatusCodes.Status500InternalServerError, first.Status);
        Assert.NotEqual(StatusCodes.Status429TooManyRequests, first.Status);
        var reached = first.Signature == expected.Signature;

        // Use up an address's allowance on the canonical path, then try the variant from the same address.
        var client = SignInLimitServer.NewClient();
        for (var i = 0; i < SignInLimitServer.Limit; i++)
        {
            Assert.NotEqual(StatusCodes.Status429TooManyRequests, (await AuthTestClients.RawAsync(url, client, "POST", canonical, body, contentType)).Status);
        }
        var after = await AuthTestClients.RawAsync(url, client, method, variant, body, contentType);
        if (reached)
        {
            Assert.Equal(StatusCodes.Status429TooManyRequests, after.Status);
        }
        else
        {
            // Another endpoint (404, 405, a page) answers this spelling or method: it never checks a password.
            Assert.NotEqual(expected.Signature, after.Signature);
            Assert.NotEqual(StatusCodes.Status500InternalServerError, after.Status);
        }
    }

    [Fact]
    public async Task SignInLimit_IsPerClientAddress_AndCountsUiAndApiTogether()
    {
        var url = server.Factory.ServerAddress;
        var limited = SignInLimitServer.NewClient();
        Assert.Equal(StatusCodes.Status401Unauthorized, (await AuthTestClients.RawAsync(url, limited, "POST", "/api/v1/account/login", BadLogin)).Status);
        Assert.Equal(StatusCodes.Status400BadRequest, (await AuthTestClients.RawAsync(url, limited, "POST", "/Account/Login", LoginForm, "application/x-www-form-urlencoded")).Status);
        Assert.Equal(StatusCodes.Status429TooManyRequests, (await AuthTestClients.RawAsync(url, limited, "POST", "/api/v1/account/refresh", """{"refreshToken":"x"}""")).Status);
        // Another address is unaffected, and reading the sign-in page never counts.
        Assert.Equal(StatusCodes.Status401Unauthorized, (await AuthTestClients.RawAsync(url, SignInLimitServer.NewClient(), "POST", "/api/v1/account/login", BadLogin)).Status);
        Assert.Equal(StatusCodes.Status200OK, (await AuthTestClients.RawAsync(url, limited, "GET", "/Account/Login", string.Empty)).Status);
    }

    [Fact]
    public void SignInLimit_EverySignInEndpoint_CarriesThePolicy()
    {
        string[] signIn = ["/api/v1/account/login", "/api/v1/account/register", "/api/v1/account/refresh", "/Account/Login", "/Account/Register", "/Account/Manage/ChangePassword"];
        var endpoints = server.Factory.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => signIn.Contains("/" + e.RoutePattern.RawText?.TrimStart('/'), StringComparer.OrdinalIgnoreCase))
            .ToList();
        Assert.Equal(signIn.Length, endpoints.Select(e => e.RoutePattern.RawText?.TrimStart('/').ToUpperInvariant()).Distinct().Count());
        Assert.All(endpoints, e => Assert.Equal(SignInRateLimiting.PolicyName, e.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName));
    }

    [Theory]
    [InlineData("1234567890", "PasswordTooCommon")]
    [InlineData("password12", "PasswordTooCommon")]
    [InlineData("Password4711!", "PasswordCommonVariant")]
    [InlineData("P@ssw0rd#8472", "PasswordCommonVariant")]
    [InlineData("!!sunshine!!", "PasswordCommonVariant")]
    [InlineData("dragondragon", "PasswordCommonVariant")]
    [InlineData("xyzxyzxyzxyz", "PasswordCommonVariant")]
    [InlineData("QWERTYUIOP", "PasswordTooCommon")]
    [InlineData("zyxwvutsrqpon", "PasswordTooCommon")]
    [InlineData("abcdefghijklmnopqrstuvw", "PasswordPattern")]
    [InlineData("9876543210987", "PasswordPattern")]
    [InlineData("aaaaaaaaaaaaaaa", "PasswordTooCommon")]
    [InlineData("ababababababx", null)]
    [InlineData("NeuroLab2025!", "PasswordContextWords")]
    [InlineData("marie.curie1867", "PasswordContextWords")]
    [InlineData("curie-1867-x", "PasswordContextWords")]
    [InlineData("correct horse battery staple", null)]
    [InlineData("violet tractor 19 umbrella", null)]
    [InlineData("mj3#Lq9!xWz2", null)]
    [InlineData("neurolab holds my favourite brain scans", null)]
    public void PasswordPolicy_Check_RefusesCommonPatternedAndContextPasswords(string password, string? expectedCode)
    {
        var user = new ApplicationUser { Email = "marie.curie@sorbonne.fr", UserName = "marie.curie@sorbonne.fr", DisplayName = "Marie Curie" };
        var error = WeakPasswordValidator.Check(password, 10, WeakPasswordValidator.ContextWords(user));
        Assert.Equal(expectedCode, error?.Code);
        Assert.True(WeakPasswordValidator.CommonPasswordCount > 10_000);
    }

    [Theory]
    [InlineData("1234567890")]
    [InlineData("password12")]
    [InlineData("iloveyou2024")]
    [InlineData("carol123456")]
    public async Task PasswordPolicy_Register_RefusesWeakPasswordWithProblemDetail(string password)
    {
        using var factory = new NeuroLabAppFactory();
        var response = await factory.CreateClient().PostAsJsonAsync("/api/v1/account/register", new { email = "carol@lab.org", password });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = (await response.JsonAsync()).GetProperty("errors").GetProperty("password")[0].GetString();
        Assert.Contains("password", message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PasswordPolicy_ChangeAndReset_UseTheSameValidator()
    {
        using var factory = new NeuroLabAppFactory();
        await factory.RegisterAndSignInAsync("dora@lab.org");
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = (await users.FindByEmailAsync("dora@lab.org"))!;
        var change = await users.ChangePasswordAsync(user, ApiClient.Password, "password12");
        Assert.Contains(change.Errors, e => e.Code == "PasswordTooCommon");
        var reset = await users.ResetPasswordAsync(user, await users.GeneratePasswordResetTokenAsync(user), "qwertyuiop123");
        Assert.False(reset.Succeeded);
        Assert.True((await users.ChangePasswordAsync(user, ApiClient.Password, "a quiet lighthouse keeper")).Succeeded);
    }

    [Fact]
    public async Task Lockout_EndsRefreshBearerTokenPatAndCookie()
    {
        using var factory = new NeuroLabAppFactory();
        var api = await factory.RegisterAndSignInAsync("erin@lab.org");
        var login = await (await factory.CreateClient().PostAsJsonAsync("/api/v1/account/login", new { email = "erin@lab.org", password = ApiClient.Password })).JsonAsync();
        var refreshToken = login.GetProperty("refreshToken").GetString();
        var pat = factory.CreateClient();
        pat.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await (await api.PostAsJsonAsync("/api/v1/account/tokens", new { name = "script" })).JsonAsync()).GetProperty("secret").GetString());
        var browser = AuthTestClients.Browser(factory);
        Assert.Equal(HttpStatusCode.Redirect, (await AuthTestClients.SignInWithFormAsync(browser, "erin@lab.org", ApiClient.Password)).StatusCode);
        foreach (var client in new[] { api, pat, browser })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/account/me")).StatusCode);
        }

        await SetLockoutAsync(factory, "erin@lab.org", DateTimeOffset.UtcNow.AddHours(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/account/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await pat.GetAsync("/api/v1/account/me")).StatusCode);
        var cookie = await browser.GetAsync("/api/v1/account/me");
        Assert.Equal(HttpStatusCode.Unauthorized, cookie.StatusCode);
        // The cookie is deleted, not just refused.
        Assert.Contains(cookie.Headers.GetValues("Set-Cookie"), c => c.StartsWith("NeuroLab.Auth=;", StringComparison.Ordinal));
        var refresh = await factory.CreateClient().PostAsJsonAsync("/api/v1/account/refresh", new { refreshToken });
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
        Assert.Equal("application/problem+json", refresh.Content.Headers.ContentType?.MediaType);

        // Lifting the lock lets the same bearer token and refresh token work again: the check is the lock itself.
        await SetLockoutAsync(factory, "erin@lab.org", null);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/account/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().PostAsJsonAsync("/api/v1/account/refresh", new { refreshToken })).StatusCode);
    }

    [Fact]
    public async Task SecurityStampChange_EndsRefreshAndBearerToken()
    {
        using var factory = new NeuroLabAppFactory();
        var api = await factory.RegisterAndSignInAsync("finn@lab.org");
        var login = await (await factory.CreateClient().PostAsJsonAsync("/api/v1/account/login", new { email = "finn@lab.org", password = ApiClient.Password })).JsonAsync();
        using (var scope = factory.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            await users.UpdateSecurityStampAsync((await users.FindByEmailAsync("finn@lab.org"))!);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/account/me")).StatusCode);
        var refresh = await factory.CreateClient().PostAsJsonAsync("/api/v1/account/refresh", new { refreshToken = login.GetProperty("refreshToken").GetString() });
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
    }

    private static async Task SetLockoutAsync(NeuroLabAppFactory factory, string email, DateTimeOffset? until)
    {
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        Assert.True((await users.SetLockoutEndDateAsync((await users.FindByEmailAsync(email))!, until)).Succeeded);
    }

    // Raw query-string values: some are pre-encoded on purpose ("%2F%2F" arrives as "//").
    [Theory]
    [InlineData("https%3A%2F%2Fevil.example%2Fphish")]
    [InlineData("https://evil.example")]
    [InlineData("//evil.example")]
    [InlineData("%2F%2Fevil.example")]
    [InlineData("/%5Cevil.example")]
    [InlineData("%5C%5Cevil")]
    [InlineData("%5C%2Fevil.example")]
    [InlineData("%09%2F%2Fevil.example")]
    [InlineData("%20%2F%2Fevil.example")]
    [InlineData("http%3A%2F%5C%2Fevil.example")]
    [InlineData("javascript%3Aalert(1)")]
    [InlineData("%252F%252Fevil.example")]
    [InlineData("http%3A%2F%2Flocalhost.evil.example%2F")]
    public async Task ReturnUrl_OffSite_SignInRedirectsLocallyWithout500(string rawReturnUrl)
    {
        using var factory = new NeuroLabAppFactory();
        await factory.RegisterAndSignInAsync("gus@lab.org");
        var browser = AuthTestClients.Browser(factory);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/Account/Login?ReturnUrl=" + rawReturnUrl)).StatusCode);
        AssertLocalRedirect(await AuthTestClients.SignInWithFormAsync(browser, "gus@lab.org", ApiClient.Password, rawReturnUrl));

        var register = AuthTestClients.Browser(factory);
        var page = "/Account/Register?ReturnUrl=" + rawReturnUrl;
        var token = await AuthTestClients.FormTokenAsync(register, page);
        AssertLocalRedirect(await register.PostAsync(page, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "register",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = "hana@lab.org",
            ["Input.Password"] = ApiClient.Password,
            ["Input.ConfirmPassword"] = ApiClient.Password,
        })));

        var anonymous = AuthTestClients.Browser(factory);
        var logoutToken = await AuthTestClients.FormTokenAsync(anonymous, "/Account/Login");
        AssertLocalRedirect(await anonymous.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = logoutToken,
            ["returnUrl"] = Uri.UnescapeDataString(rawReturnUrl),
        })));
    }

    [Fact]
    public async Task ReturnUrl_Local_IsKept()
    {
        using var factory = new NeuroLabAppFactory();
        await factory.RegisterAndSignInAsync("ivy@lab.org");
        var response = await AuthTestClients.SignInWithFormAsync(AuthTestClients.Browser(factory), "ivy@lab.org", ApiClient.Password, Uri.EscapeDataString("/workspaces?tab=runs"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/workspaces?tab=runs", Absolute(response).PathAndQuery);
    }

    [Theory]
    [InlineData("/workspaces", true)]
    [InlineData("Account/Lockout", true)]
    [InlineData("/a/b?c=d#e", true)]
    [InlineData("", false)]
    [InlineData("//evil.example", false)]
    [InlineData("/\\evil.example", false)]
    [InlineData("\\\\evil", false)]
    [InlineData("https://evil.example", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData(" //evil.example", false)]
    [InlineData("\t//evil.example", false)]
    [InlineData("/\t/evil.example", false)]
    [InlineData("evil.example:80/x", false)]
    public void LocalUrl_IsLocal_OnlyForPathsOnThisSite(string url, bool local) => Assert.Equal(local, LocalUrl.IsLocal(url));

    private static Uri Absolute(HttpResponseMessage response)
    {
        var location = response.Headers.Location ?? throw new InvalidOperationException($"No Location header ({(int)response.StatusCode}).");
        return location.IsAbsoluteUri ? location : new Uri(new Uri("http://localhost/"), location);
    }

    private static void AssertLocalRedirect(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var raw = response.Headers.GetValues("Location").Single();
        Assert.DoesNotContain("\\", raw, StringComparison.Ordinal);
        Assert.Equal("localhost", Absolute(response).Host);
    }
}
