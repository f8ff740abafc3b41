using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using NeuroLab.Compute.Events;
using NeuroLab.Compute.Events.Redis;
using NeuroLab.Web.Collaboration;

namespace NeuroLab.Web.Tests.ScaleOut;

/// <summary>
/// Presence with two web instances on one database and one Redis (NEUROLAB_TEST_REDIS): a member on a page of
/// instance A and a member on the same page of instance B see each other, a departure on B reaches A, and an instance
/// that stops talking (here a third process that said something once) drops out of everyone's list after the expiry.
/// </summary>
public sealed class CrossInstancePresenceTests
{
    private sealed class PresenceRecorder
    {
        private readonly List<List<string>> _lists = [];

        public PresenceRecorder(HubConnection hub) => hub.On<JsonElement>("workspaceEvent", e =>
        {
            var type = e.GetProperty("type").GetString();
            // Instance shares and queries stay between the instances.
            Assert.DoesNotContain(type, new[] { PresenceTracker.InstanceType, PresenceExchange.QueryType });
            if (type == "presence" && e.GetProperty("targetKey").GetString() == PresencePages.Viewer)
            {
                lock (_lists)
                {
                    _lists.Add([.. e.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("name").GetString()!)]);
                }
            }
        });

        public List<string> Latest
        {
            get
            {
                lock (_lists)
                {
                    return _lists.Count == 0 ? [] : _lists[^1];
                }
            }
        }
    }

    private static List<string> Names(JsonElement list) => [.. list.EnumerateArray().Select(m => m.GetProperty("name").GetString()!)];

    [RedisFact]
    public async Task MembersOnTwoInstances_SeeEachOther_LeavingReachesTheOther_SilentInstanceExpires()
    {
        var redis = EventProcess.Isolated(TestServers.Redis!);
        var presence = new Dictionary<string, string?>
        {
            ["NeuroLab:Events:Redis"] = redis,
            ["NeuroLab:Events:Presence:Heartbeat"] = "00:00:01",
            ["NeuroLab:Events:Presence:Expiry"] = "00:00:03",
        };
        using var a = new NeuroLabAppFactory(settings: presence);
        var alice = await a.RegisterAndSignInAsync("alice@lab.org");
        await a.RegisterAndSignInAsync("bob@lab.org");
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab" })).JsonAsync()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/members", new { email = "bob@lab.org", role = "viewer" })).StatusCode);
        using var b = new NeuroLabAppFactory(settings: new Dictionary<string, string?>(presence)
        {
            // The same database (A has migrated it); B never executes runs.
            ["ConnectionStrings:NeuroLab"] = a.ConnectionString,
            ["NeuroLab:Compute:RunQueueEnabled"] = "false",
        });
        var bobOnB = b.CreateClient();
        var login = await bobOnB.PostAsJsonAsync("/api/v1/account/login", new { email = "bob@lab.org", password = ApiClient.Password });
        login.EnsureSuccessStatusCode();
        var bobToken = (await login.JsonAsync()).GetProperty("accessToken").GetString()!;
        await Eventually.TrueAsync(() => a.Services.GetRequiredService<RedisEventRelay>().IsConnected && b.Services.GetRequiredService<RedisEventRelay>().IsConnected,
            TimeSpan.FromSeconds(30), "both instances connected to Redis");

        await using var aliceHub = a.RunsHub(alice.DefaultRequestHeaders.Authorization!.Parameter!);
        var seenByAlice = new PresenceRecorder(aliceHub);
        await aliceHub.StartAsync();
        await aliceHub.InvokeAsync("JoinWorkspace", ws);
        Assert.Equal(["alice@lab.org"], Names(await aliceHub.InvokeAsync<JsonElement>("EnterPage", ws, PresencePages.Viewer)));

        var bobHub = b.RunsHub(bobToken);
        var seenByBob = new PresenceRecorder(bobHub);
        await bobHub.StartAsync();
        await bobHub.InvokeAsync("JoinWorkspace", ws);
        // Alice entered on A before Bob came to B: B heard it from A, so Bob's first list already holds her.
        await Eventually.TrueAsync(() => b.Services.GetRequiredService<PresenceTracker>().Who(ws, PresencePages.Viewer).Count == 1, TimeSpan.FromSeconds(15), "B to hear of Alice");
        Assert.Equal(["alice@lab.org", "bob@lab.org"], Names(await bobHub.InvokeAsync<JsonElement>("EnterPage", ws, PresencePages.Viewer)));
        await Eventually.TrueAsync(() => seenByAlice.Latest.SequenceEqual(["alice@lab.org", "bob@lab.org"]), TimeSpan.FromSeconds(15), "Alice (on A) to see Bob (on B)");

        // A third process that speaks as an instance once and then falls silent, as a crashed instance does.
        await using (var ghost = await EventProcess.StartAsync(redis))
        {
            ghost.Workspaces.Publish(new WorkspaceEvent
            {
                WorkspaceId = ws,
                Type = PresenceTracker.InstanceType,
                TargetKey = PresencePages.Viewer,
                Data = new InstancePresence("crashed-instance", [new PresenceMember("carol-id", "carol@lab.org", DateTime.UtcNow)]),
            });
            await Eventually.TrueAsync(() => seenByAlice.Latest.Contains("carol@lab.org") && seenByBob.Latest.Contains("carol@lab.org"), TimeSpan.FromSeconds(15), "both to see the other instance's visitor");
            await Eventually.TrueAsync(() => !seenByAlice.Latest.Contains("carol@lab.org") && !seenByBob.Latest.Contains("carol@lab.org"), TimeSpan.FromSeconds(20), "the silent instance's visitor to expire on both");
        }
        // Alice and Bob outlive several expiries: their instances keep repeating their lists.
        Assert.Equal(["alice@lab.org", "bob@lab.org"], a.Services.GetRequiredService<PresenceTracker>().Who(ws, PresencePages.Viewer).Select(m => m.Name));

        // Bob closes his connection on B: Alice on A sees him leave.
        await bobHub.DisposeAsync();
        await Eventually.TrueAsync(() => seenByAlice.Latest.SequenceEqual(["alice@lab.org"]), TimeSpan.FromSeconds(15), "Alice (on A) to see Bob leave");
    }
}
