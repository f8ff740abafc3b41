using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace NeuroLab.Web.Tests.Security;

public sealed class HardeningTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/Account/Login")]
    [InlineData("/api/v1/workspaces")]
    public async Task Responses_CarrySecurityHeaders(string path)
    {
        using var factory = new NeuroLabAppFactory();
        var response = await factory.CreateClient().GetAsync(path);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task LoginForm_WithoutAntiforgeryToken_IsRejected()
    {
        using var factory = new NeuroLabAppFactory();
        var client = factory.CreateClient();
        var response = await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["Input.Email"] = "a@lab.org",
            ["Input.Password"] = "whatever12345",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task LoginForm_SetsHttpOnlyLaxAuthCookie()
    {
        using var factory = new NeuroLabAppFactory();
        await factory.RegisterAndSignInAsync("a@lab.org");
        var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await client.GetStringAsync("/Account/Login");
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        var response = await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = "a@lab.org",
            ["Input.Password"] = ApiClient.Password,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("NeuroLab.Auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);

        // The cookie alone authenticates the browser's API calls.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/account/me")).StatusCode);
    }

    [Fact]
    public async Task SignIn_TooManyAttempts_Is429WithRetryAfter()
    {
        using var factory = new NeuroLabAppFactory(settings: new Dictionary<string, string?> { ["NeuroLab:Security:SignInPermitLimit"] = "3" });
        var client = factory.CreateClient();
        for (int i = 0; i < 3; i++)
        {
            var allowed = await client.PostAsJsonAsync("/api/v1/account/login", new { email = "x@lab.org", password = "nope nope nope" });
            Assert.Equal(HttpStatusCode.Unauthorized, allowed.StatusCode);
        }
        var limited = await client.PostAsJsonAsync("/api/v1/account/register", new { email = "x@lab.org", password = ApiClient.Password });
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter is not null);
        Assert.Contains("Too many", (await limited.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Other endpoints are not limited.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task OversizedBody_Is413()
    {
        using var factory = new NeuroLabAppFactory(useKestrel: true, settings: new Dictionary<string, string?> { ["NeuroLab:Security:MaxRequestBodyBytes"] = "2048" });
        using var client = new HttpClient { BaseAddress = factory.ServerAddress };
        var big = "{\"email\":\"a@lab.org\",\"password\":\"" + new string('x', 10_000) + "\"}";
        var response = await client.PostAsync("/api/v1/account/register", new StringContent(big, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var small = await client.PostAsJsonAsync("/api/v1/account/register", new { email = "a@lab.org", password = ApiClient.Password });
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    [Fact]
    public async Task OpenApi_DescribesTheContract()
    {
        using var factory = new NeuroLabAppFactory();
        var doc = await (await factory.CreateClient().GetAsync("/openapi/v1.json")).JsonAsync();
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        string[] expected =
        [
            "/api/v1/account/register", "/api/v1/account/login", "/api/v1/workspaces", "/api/v1/workspaces/{id}",
            "/api/v1/workspaces/{id}/members", "/api/v1/workspaces/{id}/members/{userId}", "/api/v1/account/tokens",
        ];
        Assert.All(expected, p => Assert.Contains(p, paths));
        Assert.DoesNotContain(paths, p => p.StartsWith("/Account", StringComparison.Ordinal));
        Assert.Equal("bearer", doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task UnknownApiRoute_IsProblemJson_UnknownPage_IsHtml()
    {
        using var factory = new NeuroLabAppFactory();
        var client = factory.CreateClient();
        var api = await client.GetAsync("/api/v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
        var page = await client.GetAsync("/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Contains("There is nothing at this address", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_AppliesMigrations_HealthAndLibTorchLoad()
    {
        using var factory = new NeuroLabAppFactory();
        var client = factory.CreateClient();
        Assert.Equal("Healthy", await client.GetStringAsync("/healthz"));
        using (var db = factory.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<NeuroLab.Data.NeuroLabDbContext>>().CreateDbContext())
        {
            Assert.Empty(Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.GetPendingMigrations(db.Database));
        }
        // On PostgreSQL (NEUROLAB_TEST_DATABASE) the tables are on the server; otherwise in the SQLite file.
        Assert.True(factory.UsesPostgres || File.Exists(Path.Combine(factory.DataDirectory, "neurolab.db")));
        // The About page loads libtorch inside the web host: proves the native fix reached this output too.
        var about = await client.GetStringAsync("/about");
        Assert.Matches(@"data-testid=""libtorch"">2\.\d+\.\d+", about);
    }
}
