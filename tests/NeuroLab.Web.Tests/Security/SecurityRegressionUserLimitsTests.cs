using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace NeuroLab.Web.Tests.Security;

/// <summary>
/// The storage quota is per workspace, so creating workspaces multiplied a user's storage (outside probe). A user
/// may own at most NeuroLab:Storage:MaxWorkspacesPerUser workspaces and add at most NeuroLab:Storage:UserQuotaBytes
/// over all of them.
/// </summary>
public sealed class SecurityRegressionUserLimitsTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new(settings: new Dictionary<string, string?>
    {
        ["NeuroLab:Storage:MaxWorkspacesPerUser"] = "3",
        ["NeuroLab:Storage:UserQuotaBytes"] = "10000",
    });

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task CreateWorkspace_OverPerUserLimit_Is409NamingTheSetting_OthersUnaffected()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = $"W{i}" })).StatusCode);
        }
        var refused = await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "W3" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.JsonAsync();
        Assert.Contains("NeuroLab:Storage:MaxWorkspacesPerUser = 3", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, (await (await alice.GetAsync("/api/v1/workspaces")).JsonAsync()).GetArrayLength());

        var bob = await _factory.RegisterAndSignInAsync("bob@lab.org");
        Assert.Equal(HttpStatusCode.Created, (await bob.PostAsJsonAsync("/api/v1/workspaces", new { name = "Bob's" })).StatusCode);
    }

    [Fact]
    public async Task Uploads_AcrossWorkspaces_CountAgainstOneUserQuota_413NamingTheSetting()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var first = await WorkspaceAsync(alice, "First");
        var second = await WorkspaceAsync(alice, "Second");
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync($"/api/v1/workspaces/{first}/uploads", File("a.bin", 6000, 1))).StatusCode);

        // A second workspace does not bring a second quota.
        var refused = await alice.PostAsync($"/api/v1/workspaces/{second}/uploads", File("b.bin", 6000, 2));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        var detail = (await refused.JsonAsync()).GetProperty("detail").GetString()!;
        Assert.Contains("NeuroLab:Storage:UserQuotaBytes", detail, StringComparison.Ordinal);
        Assert.StartsWith("b.bin: ", detail, StringComparison.Ordinal);
        Assert.Equal(0, (await (await alice.GetAsync($"/api/v1/workspaces/{second}/uploads")).JsonAsync()).GetArrayLength());

        // What is left still fits; another user has their own quota.
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync($"/api/v1/workspaces/{second}/uploads", File("c.bin", 3000, 3))).StatusCode);
        var bob = await _factory.RegisterAndSignInAsync("bob@lab.org");
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsync($"/api/v1/workspaces/{await WorkspaceAsync(bob, "Bob's")}/uploads", File("d.bin", 6000, 4))).StatusCode);
    }

    [Fact]
    public async Task ImportDataset_OverUserQuota_Is413NamingTheSetting_NothingSaved()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var ws = await WorkspaceAsync(alice, "Samples");
        var refused = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "allen-v1" });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        var problem = await refused.JsonAsync();
        Assert.Equal("Storage quota exceeded", problem.GetProperty("title").GetString());
        Assert.Contains("NeuroLab:Storage:UserQuotaBytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await (await alice.GetAsync($"/api/v1/workspaces/{ws}/datasets")).JsonAsync()).GetArrayLength());
    }

    private static async Task<Guid> WorkspaceAsync(HttpClient client, string name) =>
        (await (await client.PostAsJsonAsync("/api/v1/workspaces", new { name })).JsonAsync()).GetProperty("id").GetGuid();

    /// <summary>A file of <paramref name="size"/> distinct bytes (seeded, so two files never share a stored blob).</summary>
    private static MultipartFormDataContent File(string name, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new MultipartFormDataContent { { part, "files", name } };
    }
}
