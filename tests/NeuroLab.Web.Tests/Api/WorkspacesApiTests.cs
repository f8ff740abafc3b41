using System.Net;
using System.Net.Http.Json;

namespace NeuroLab.Web.Tests.Api;

public sealed class WorkspacesApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task TeamFlow_OwnerInvitesViewer_ViewerReadsButCannotRename_OutsiderGets404()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var bob = await _factory.RegisterAndSignInAsync("bob@lab.org");
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");

        var created = await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "V1 encoding" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var workspace = await created.JsonAsync();
        var id = workspace.GetProperty("id").GetGuid();
        Assert.Equal("owner", workspace.GetProperty("role").GetString());
        Assert.Equal($"/api/v1/workspaces/{id}", created.Headers.Location?.ToString());

        var invite = await alice.PostAsJsonAsync($"/api/v1/workspaces/{id}/members", new { email = "bob@lab.org", role = "viewer" });
        Assert.Equal(HttpStatusCode.Created, invite.StatusCode);

        var bobs = await (await bob.GetAsync("/api/v1/workspaces")).JsonAsync();
        var seen = Assert.Single(bobs.EnumerateArray());
        Assert.Equal("V1 encoding", seen.GetProperty("name").GetString());
        Assert.Equal("viewer", seen.GetProperty("role").GetString());
        Assert.Equal(2, seen.GetProperty("memberCount").GetInt32());

        var rename = await bob.PatchAsJsonAsync($"/api/v1/workspaces/{id}", new { name = "Bob's now" });
        Assert.Equal(HttpStatusCode.Forbidden, rename.StatusCode);
        Assert.Equal("application/problem+json", rename.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Owner", (await rename.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Empty((await (await carol.GetAsync("/api/v1/workspaces")).JsonAsync()).EnumerateArray());
        var peek = await carol.GetAsync($"/api/v1/workspaces/{id}");
        Assert.Equal(HttpStatusCode.NotFound, peek.StatusCode);
        var missing = await carol.GetAsync($"/api/v1/workspaces/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        // Not leaking existence: the two answers differ only in the id they echo.
        Assert.Equal((await peek.JsonAsync()).GetProperty("title").GetString(), (await missing.JsonAsync()).GetProperty("title").GetString());

        Assert.Equal("V1 encoding", (await (await alice.GetAsync($"/api/v1/workspaces/{id}")).JsonAsync()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Members_ChangeRole_Remove_Leave_LastOwnerRule()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var bob = await _factory.RegisterAndSignInAsync("bob@lab.org");
        var id = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "W" })).JsonAsync()).GetProperty("id").GetGuid();
        var bobId = (await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{id}/members", new { email = "bob@lab.org", role = "Editor" })).JsonAsync()).GetProperty("userId").GetString();
        var aliceId = (await (await alice.GetAsync("/api/v1/account/me")).JsonAsync()).GetProperty("id").GetString();

        var leave = await alice.PostAsync($"/api/v1/workspaces/{id}/leave", null);
        Assert.Equal(HttpStatusCode.Conflict, leave.StatusCode);
        Assert.Contains("last Owner", (await leave.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var promote = await alice.PatchAsJsonAsync($"/api/v1/workspaces/{id}/members/{bobId}", new { role = "owner" });
        Assert.Equal(HttpStatusCode.OK, promote.StatusCode);
        Assert.Equal("owner", (await promote.JsonAsync()).GetProperty("role").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await alice.PostAsync($"/api/v1/workspaces/{id}/leave", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/api/v1/workspaces/{id}")).StatusCode);

        var members = await (await bob.GetAsync($"/api/v1/workspaces/{id}/members")).JsonAsync();
        Assert.Equal(["bob@lab.org"], members.EnumerateArray().Select(m => m.GetProperty("email").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await bob.DeleteAsync($"/api/v1/workspaces/{id}/members/{bobId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"/api/v1/workspaces/{id}/members/{aliceId}")).StatusCode);

        var activity = await (await bob.GetAsync($"/api/v1/workspaces/{id}/activity")).JsonAsync();
        Assert.Equal(["member.left", "member.role_changed", "member.added", "workspace.created"], activity.EnumerateArray().Select(a => a.GetProperty("action").GetString()));
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("3")]
    [InlineData("")]
    public async Task AddMember_UnknownRole_Is400WithValidRoles(string role)
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        await _factory.RegisterAndSignInAsync("bob@lab.org");
        var id = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "W" })).JsonAsync()).GetProperty("id").GetGuid();
        var response = await alice.PostAsJsonAsync($"/api/v1/workspaces/{id}/members", new { email = "bob@lab.org", role });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("owner, editor or viewer", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single((await (await alice.GetAsync($"/api/v1/workspaces/{id}/members")).JsonAsync()).EnumerateArray());
    }

    [Fact]
    public async Task Create_EmptyName_Is400Problem()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var response = await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "  " });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("A workspace needs a name.", (await response.JsonAsync()).GetProperty("detail").GetString());
        Assert.Empty((await (await alice.GetAsync("/api/v1/workspaces")).JsonAsync()).EnumerateArray());
    }

    [Fact]
    public async Task MalformedJson_Is400_NotServerError()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var response = await alice.PostAsync("/api/v1/workspaces", new StringContent("{\"name\": ", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
