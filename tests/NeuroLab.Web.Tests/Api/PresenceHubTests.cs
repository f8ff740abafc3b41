using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace NeuroLab.Web.Tests.Api;

/// <summary>Presence over SignalR as an external client sees it: EnterPage/LeavePage, presence events, disconnects.</summary>
public sealed class PresenceHubTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private HubConnection Hub(HttpClient client) => _factory.RunsHub(client.DefaultRequestHeaders.Authorization!.Parameter);

    private async Task<(HttpClient Alice, HttpClient Bob, Guid Workspace)> TwoMembersAsync()
    {
        var alice = await _factory.RegisterAndSignInAsync("alice@lab.org");
        var bob = await _factory.RegisterAndSignInAsync("bob@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab" })).JsonAsync()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/members", new { email = "bob@lab.org", role = "viewer" })).StatusCode);
        return (alice, bob, ws);
    }

    [Fact]
    public async Task EnterPage_SecondMember_FirstReceivesPresenceEvent_DisconnectLeaves()
    {
        var (alice, bob, ws) = await TwoMembersAsync();
        var run = Guid.NewGuid().ToString("N");
        await using var aliceHub = Hub(alice);
        var presence = new List<JsonElement>();
        var sawBob = new TaskCompletionSource();
        var bobGone = new TaskCompletionSource();
        aliceHub.On<JsonElement>("workspaceEvent", e =>
        {
            if (e.GetProperty("type").GetString() != "presence")
            {
                return;
            }
            lock (presence)
            {
                presence.Add(e);
            }
            var names = e.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("name").GetString()).ToList();
            if (names.Contains("bob@lab.org"))
            {
                sawBob.TrySetResult();
            }
            else if (sawBob.Task.IsCompleted)
            {
                bobGone.TrySetResult();
            }
        });
        await aliceHub.StartAsync();
        await aliceHub.InvokeAsync("JoinWorkspace", ws);
        var first = await aliceHub.InvokeAsync<JsonElement>("EnterPage", ws, "run:" + run);
        Assert.Equal(["alice@lab.org"], first.EnumerateArray().Select(m => m.GetProperty("name").GetString()));

        var bobHub = Hub(bob);
        await bobHub.StartAsync();
        var list = await bobHub.InvokeAsync<JsonElement>("EnterPage", ws, "run:" + run);
        Assert.Equal(["alice@lab.org", "bob@lab.org"], list.EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        await sawBob.Task.WaitAsync(TimeSpan.FromSeconds(30));
        lock (presence)
        {
            var e = presence.Last();
            Assert.Equal("run:" + run, e.GetProperty("targetKey").GetString());
            Assert.False(e.GetProperty("data")[1].TryGetProperty("connection", out _));
        }

        // Closing Bob's connection takes him off the page for everyone.
        await bobHub.DisposeAsync();
        await bobGone.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var after = await aliceHub.InvokeAsync<JsonElement>("EnterPage", ws, "run:" + run);
        Assert.Equal(["alice@lab.org"], after.EnumerateArray().Select(m => m.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task EnterPage_Outsider_IsRefusedAsNotFound_UnknownPageRefused()
    {
        var (alice, _, ws) = await TwoMembersAsync();
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");
        await using var outsider = Hub(carol);
        await outsider.StartAsync();
        var e = await Assert.ThrowsAsync<HubException>(() => outsider.InvokeAsync<JsonElement>("EnterPage", ws, "viewer"));
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);

        await using var member = Hub(alice);
        await member.StartAsync();
        var bad = await Assert.ThrowsAsync<HubException>(() => member.InvokeAsync<JsonElement>("EnterPage", ws, "settings"));
        Assert.Contains("Unknown page", bad.Message, StringComparison.Ordinal);
        // Nobody was recorded by the refused calls.
        var list = await member.InvokeAsync<JsonElement>("EnterPage", ws, "viewer");
        Assert.Equal(["alice@lab.org"], list.EnumerateArray().Select(m => m.GetProperty("name").GetString()));
    }
}
