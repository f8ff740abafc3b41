using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace NeuroLab.Web.Tests.Api;

public sealed class AccountApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Register_ShortPassword_Is400NamingPassword()
    {
        var client = _factory.CreateClient();
        var response = await client.PostAsJsonAsync("/api/v1/account/register", new { email = "a@lab.org", password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("password", out _));
    }

    [Fact]
    public async Task Register_DuplicateEmail_Is400()
    {
        await _factory.RegisterAndSignInAsync("a@lab.org");
        var response = await _factory.CreateClient().PostAsJsonAsync("/api/v1/account/register", new { email = "A@lab.org", password = ApiClient.Password });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Login_ReturnsTokens_RefreshWorks_MeAnswers()
    {
        var client = _factory.CreateClient();
        await client.PostAsJsonAsync("/api/v1/account/register", new { email = "a@lab.org", password = ApiClient.Password });
        var login = await (await client.PostAsJsonAsync("/api/v1/account/login", new { email = "a@lab.org", password = ApiClient.Password })).JsonAsync();
        Assert.Equal("Bearer", login.GetProperty("tokenType").GetString());
        Assert.Equal(3600, login.GetProperty("expiresIn").GetInt32());
        var refresh = await client.PostAsJsonAsync("/api/v1/account/refresh", new { refreshToken = login.GetProperty("refreshToken").GetString() });
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        var access = (await refresh.JsonAsync()).GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", access);
        Assert.Equal("a@lab.org", (await (await client.GetAsync("/api/v1/account/me")).JsonAsync()).GetProperty("email").GetString());

        var bad = await _factory.CreateClient().PostAsJsonAsync("/api/v1/account/refresh", new { refreshToken = "garbage" });
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
    }

    [Fact]
    public async Task Login_RepeatedFailures_LockTheAccount()
    {
        var client = _factory.CreateClient();
        await client.PostAsJsonAsync("/api/v1/account/register", new { email = "a@lab.org", password = ApiClient.Password });
        for (int i = 0; i < 5; i++)
        {
            var wrong = await client.PostAsJsonAsync("/api/v1/account/login", new { email = "a@lab.org", password = "wrong password!!" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        // Even the right password is refused while locked.
        var locked = await client.PostAsJsonAsync("/api/v1/account/login", new { email = "a@lab.org", password = ApiClient.Password });
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Equal("Account locked", (await locked.JsonAsync()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task PersonalAccessToken_Create_Use_CannotMintMore_Revoke()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "W" });
        var created = await alice.PostAsJsonAsync("/api/v1/account/tokens", new { name = "cluster", expiresInDays = 30 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.JsonAsync();
        var secret = body.GetProperty("secret").GetString()!;
        var tokenId = body.GetProperty("token").GetProperty("id").GetGuid();
        Assert.StartsWith("nlpat_", secret, StringComparison.Ordinal);

        var script = _factory.CreateClient();
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        var list = await script.GetAsync("/api/v1/workspaces");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Single((await list.JsonAsync()).EnumerateArray());

        var mint = await script.PostAsJsonAsync("/api/v1/account/tokens", new { name = "another" });
        Assert.Equal(HttpStatusCode.Forbidden, mint.StatusCode);

        var listed = await (await alice.GetAsync("/api/v1/account/tokens")).JsonAsync();
        var row = Assert.Single(listed.EnumerateArray());
        Assert.False(row.TryGetProperty("secret", out _));
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, row.GetProperty("lastUsedAt").ValueKind);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/v1/account/tokens/{tokenId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/api/v1/workspaces")).StatusCode);
    }

    [Fact]
    public async Task GarbageBearer_Is401()
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/workspaces")).StatusCode);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "nlpat_forged");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/workspaces")).StatusCode);
    }
}
