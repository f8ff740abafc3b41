using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace NeuroLab.Web.Tests.Security;

/// <summary>
/// On PostgreSQL the Data Protection keys live in the database, so two web instances (each with its own data folder)
/// accept each other's sign-in cookies and bearer tokens: a load balancer may send any request to any instance.
/// </summary>
public sealed class SharedDataProtectionKeysTests
{
    [PostgresFact]
    public async Task SignIn_OnInstanceA_AcceptedByInstanceB()
    {
        using var database = PostgresTestDatabase.Create();
        var settings = new Dictionary<string, string?>
        {
            ["NeuroLab:Database:Provider"] = "postgresql",
            ["ConnectionStrings:NeuroLab"] = database.ConnectionString,
        };
        await using var a = new NeuroLabAppFactory(settings: settings);
        await using var b = new NeuroLabAppFactory(settings: settings);
        Assert.NotEqual(a.DataDirectory, b.DataDirectory);

        // A: register, sign in with the form (cookie) and through the API (bearer token).
        var email = "shared-keys@example.org";
        var browserA = AuthTestClients.Browser(a);
        (await browserA.PostAsJsonAsync("/api/v1/account/register", new { email, password = ApiClient.Password })).EnsureSuccessStatusCode();
        var signIn = await AuthTestClients.SignInWithFormAsync(browserA, email, ApiClient.Password);
        var cookie = signIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("NeuroLab.Auth=", StringComparison.Ordinal));
        var login = await a.CreateClient().PostAsJsonAsync("/api/v1/account/login", new { email, password = ApiClient.Password });
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();

        // B: never saw the sign-in, yet unprotects both with the keys from the database.
        var clientB = b.CreateClient();
        using var withCookie = new HttpRequestMessage(HttpMethod.Get, "/api/v1/account/me");
        withCookie.Headers.Add("Cookie", cookie);
        var me = await clientB.SendAsync(withCookie);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(email, (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("email").GetString());
        using var withToken = new HttpRequestMessage(HttpMethod.Get, "/api/v1/account/me");
        withToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await clientB.SendAsync(withToken)).StatusCode);
        using var anonymous = new HttpRequestMessage(HttpMethod.Get, "/api/v1/account/me");
        Assert.Equal(HttpStatusCode.Unauthorized, (await clientB.SendAsync(anonymous)).StatusCode);
    }
}
