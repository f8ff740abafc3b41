using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace NeuroLab.Web.Tests.Security;

/// <summary>
/// Regression tests for the request findings of issue 9: antiforgery on cookie-authenticated API writes,
/// forwarded headers behind a TLS proxy, and problem details for malformed requests.
/// </summary>
public sealed class SecurityRegressionRequestTests
{
    private const string AntiforgeryTitle = "Missing antiforgery token";

    // Valid for every endpoint's body, so only the antiforgery check can refuse (as in OutsiderWalkTests).
    private const string AnyBody = """{"name":"Taken over","email":"carol@lab.org","role":"owner","password":"correct horse battery staple","refreshToken":"x","expiresInDays":1}""";

    private static async Task<(HttpClient Browser, string Token)> CookieSessionAsync(NeuroLabAppFactory factory, string email)
    {
        await factory.RegisterAndSignInAsync(email);
        var browser = AuthTestClients.Browser(factory);
        Assert.Equal(HttpStatusCode.Redirect, (await AuthTestClients.SignInWithFormAsync(browser, email, ApiClient.Password)).StatusCode);
        // A token issued to the signed-in user (tokens are bound to the user), as the pages hand to their scripts.
        return (browser, await AuthTestClients.FormTokenAsync(browser, "/Account/Manage/ChangePassword"));
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task CookieApiWrite_WithoutToken_Is400_WithToken_Works_BearerNeedsNone()
    {
        using var factory = new NeuroLabAppFactory();
        var (browser, token) = await CookieSessionAsync(factory, "jo@lab.org");

        var refused = await browser.PostAsync("/api/v1/workspaces", Json("""{"name":"Cross-site"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.JsonAsync();
        Assert.Equal(AntiforgeryTitle, problem.GetProperty("title").GetString());
        Assert.Contains("RequestVerificationToken", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var withToken = new HttpRequestMessage(HttpMethod.Post, "/api/v1/workspaces") { Content = Json("""{"name":"Mine"}""") };
        withToken.Headers.Add("RequestVerificationToken", token);
        var created = await browser.SendAsync(withToken);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var workspaceId = (await created.JsonAsync()).GetProperty("id").GetString();

        // Body-less writes are covered too (they used to rely on SameSite=Lax alone).
        var leave = await browser.PostAsync($"/api/v1/workspaces/{workspaceId}/leave", null);
        Assert.Equal(AntiforgeryTitle, (await leave.JsonAsync()).GetProperty("title").GetString());
        var cancel = await browser.PostAsync($"/api/v1/runs/{Guid.NewGuid()}/cancel", null);
        Assert.Equal(AntiforgeryTitle, (await cancel.JsonAsync()).GetProperty("title").GetString());
        // Reads are unaffected.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/v1/workspaces")).StatusCode);

        var bearer = await factory.CreateClient().PostAsJsonAsync("/api/v1/account/login", new { email = "jo@lab.org", password = ApiClient.Password });
        var script = factory.CreateClient();
        script.DefaultRequestHeaders.Authorization = new("Bearer", (await bearer.JsonAsync()).GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.Created, (await script.PostAsync("/api/v1/workspaces", Json("""{"name":"Scripted"}"""))).StatusCode);
        var scriptLeave = await script.PostAsync($"/api/v1/workspaces/{workspaceId}/leave", null);
        Assert.NotEqual(AntiforgeryTitle, (await scriptLeave.JsonAsync()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task CookieApiWrite_EveryUnsafeEndpoint_RequiresTheToken()
    {
        using var factory = new NeuroLabAppFactory();
        var (browser, _) = await CookieSessionAsync(factory, "kim@lab.org");
        var routes = factory.Services.GetServices<EndpointDataSource>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m, Endpoint: e)))
            .Where(r => r.Method is "POST" or "PUT" or "PATCH" or "DELETE")
            .ToList();
        Assert.NotEmpty(routes);
        foreach (var (method, endpoint) in routes)
        {
            var path = Fill(endpoint.RoutePattern);
            var response = await browser.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = Json(AnyBody) });
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {path}: {(int)response.StatusCode}");
            Assert.Equal(AntiforgeryTitle, (await response.JsonAsync()).GetProperty("title").GetString());
        }
    }

    private static string Fill(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => parameter.ParameterPolicies.Any(p => p.Content == "int") ? "1" : Guid.NewGuid().ToString(),
            _ => throw new InvalidOperationException("Unexpected route part."),
        }))));

    private static NeuroLabAppFactory ProxiedFactory(bool enabled) => new(settings: new Dictionary<string, string?>
    {
        ["environment"] = "Production",
        ["NeuroLab:Security:ForwardedHeaders:Enabled"] = enabled ? "true" : "false",
        ["NeuroLab:Security:ForwardedHeaders:KnownProxies:0"] = "10.0.0.5",
        ["NeuroLab:Security:ForwardedHeaders:KnownNetworks:0"] = "192.168.10.0/24",
    });

    /// <summary>Sends a request as if from <paramref name="remote"/> claiming X-Forwarded-Proto: https.</summary>
    private static Task<HttpContext> ForwardedAsync(NeuroLabAppFactory factory, string remote, string method, string path, string? cookies = null, string? form = null) =>
        factory.Server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse(remote);
            c.Request.Method = method;
            c.Request.Scheme = "http";
            c.Request.Host = new HostString("neurolab.example");
            c.Request.Path = path;
            c.Request.Headers["X-Forwarded-Proto"] = "https";
            c.Request.Headers["X-Forwarded-For"] = "198.51.100.7";
            if (cookies is not null)
            {
                c.Request.Headers.Cookie = cookies;
            }
            if (form is not null)
            {
                var bytes = Encoding.UTF8.GetBytes(form);
                c.Request.ContentType = "application/x-www-form-urlencoded";
                c.Request.ContentLength = bytes.Length;
                c.Request.Body = new MemoryStream(bytes);
            }
        });

    [Theory]
    [InlineData("10.0.0.5")]
    [InlineData("192.168.10.20")]
    public async Task ForwardedHeaders_FromKnownProxy_SecureCookiesAndHsts(string proxy)
    {
        using var factory = ProxiedFactory(enabled: true);
        await factory.RegisterAndSignInAsync("lee@lab.org");
        var page = await ForwardedAsync(factory, proxy, "GET", "/Account/Login");
        Assert.Equal(StatusCodes.Status200OK, page.Response.StatusCode);
        Assert.StartsWith("max-age=", page.Response.Headers.StrictTransportSecurity.ToString(), StringComparison.Ordinal);
        var antiforgery = page.Response.Headers.SetCookie.Single(c => c!.StartsWith("NeuroLab.Antiforgery=", StringComparison.Ordinal))!;
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);

        var html = await new StreamReader(page.Response.Body).ReadToEndAsync();
        var token = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value);
        var signIn = await ForwardedAsync(factory, proxy, "POST", "/Account/Login", antiforgery.Split(';')[0],
            $"_handler=login&__RequestVerificationToken={Uri.EscapeDataString(token)}&Input.Email=lee%40lab.org&Input.Password={Uri.EscapeDataString(ApiClient.Password)}");
        Assert.Equal(StatusCodes.Status302Found, signIn.Response.StatusCode);
        var auth = signIn.Response.Headers.SetCookie.Single(c => c!.StartsWith("NeuroLab.Auth=", StringComparison.Ordinal))!;
        Assert.Contains("secure", auth, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", auth, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(true, "203.0.113.9")]
    [InlineData(false, "10.0.0.5")]
    public async Task ForwardedHeaders_FromUnknownAddressOrDisabled_AreIgnored(bool enabled, string remote)
    {
        using var factory = ProxiedFactory(enabled);
        var page = await ForwardedAsync(factory, remote, "GET", "/Account/Login");
        Assert.Equal(StatusCodes.Status200OK, page.Response.StatusCode);
        Assert.False(page.Response.Headers.ContainsKey("Strict-Transport-Security"));
        Assert.Equal("http", page.Request.Scheme);
        var antiforgery = page.Response.Headers.SetCookie.Single(c => c!.StartsWith("NeuroLab.Antiforgery=", StringComparison.Ordinal))!;
        Assert.DoesNotContain("secure", antiforgery, StringComparison.OrdinalIgnoreCase);
    }

    public static TheoryData<string, string, string?, string, string> MalformedRequests() => new()
    {
        // method, path, body, content type, what the detail must name
        { "POST", "/api/v1/account/login", """{"email":"a@lab.org","password":""", "application/json", "line 1" },
        { "POST", "/api/v1/account/register", """{"email":"a@lab.org" "password":"x"}""", "application/json", "position 21" },
        { "POST", "/api/v1/workspaces", """{"name":42}""", "application/json", "$.name" },
        { "POST", "/api/v1/workspaces", """{"name":"ok",}""", "application/json", "not valid JSON" },
        { "POST", "/api/v1/account/tokens", """{"name":"t","expiresInDays":"soon"}""", "application/json", "$.expiresInDays" },
        { "POST", "/api/v1/account/tokens", "[1,2,3]", "application/json", "not valid JSON" },
        { "POST", "/api/v1/workspaces", "", "application/json", "needs a JSON request body" },
        { "POST", "/api/v1/account/login", null, "application/json", "needs a JSON request body" },
        { "POST", "/api/v1/workspaces", """{"name":"ok"}""", "text/plain", "application/json" },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task MalformedRequest_AnswersProblemDetailNamingTheFault(string method, string path, string? body, string contentType, string expected)
    {
        // Production: the framework's default there is a bare 400 (ThrowOnBadRequest is on only in Development).
        using var factory = new NeuroLabAppFactory(settings: new Dictionary<string, string?> { ["environment"] = "Production" });
        var client = await factory.RegisterAndSignInAsync("max@lab.org");
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new(contentType);
        }
        var response = await client.SendAsync(request);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, $"{(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = (await response.JsonAsync()).GetProperty("detail").GetString();
        Assert.Contains(expected, detail, StringComparison.Ordinal);
    }
}
