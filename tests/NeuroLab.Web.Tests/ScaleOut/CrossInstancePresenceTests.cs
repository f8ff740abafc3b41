using System.Collections.Concurrent;
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
/// instance A and a member on the same page of instance B see each other; an instance started later learns who is
/// already there at once (it asks); a clean stop takes its visitors off the others' lists at once; an instance that
/// falls silent (here a third process that spoke once) drops out after the expiry while live instances keep theirs.
/// Clients never receive the instances' internal messages.
/// </summary>
public sealed class CrossInstancePresenceTests
{
    private sealed class PresenceRecorder
    {
        private readonly List<List<string>> _lists = [];

        public PresenceRecorder(HubConnection hub) => hub.On<JsonElement>("workspaceEvent", e =>
        {
            var type = e.GetProperty("type").GetString()!;
            Types.Add(type);
            if (type == "presence" && e.GetProperty("targetKey").GetString() == PresencePages.Viewer)
            {
                lock (_lists)
                {
                    _lists.Add([.. e.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("name").GetString()!)]);
                }
            }
        });

        public ConcurrentBag<string> Types { get; } = [];

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

    private sealed class TwoMembers(NeuroLabAppFactory a, HttpClient alice, Guid workspace, Dictionary<string, string?> settings) : IDisposable
    {
        public NeuroLabAppFactory A => a;

        public HttpClient Alice => alice;

        public Guid Workspace => workspace;

        public string Redis => settings["NeuroLab:Events:Redis"]!;

        /// <summary>A second instance on A's database and Redis, which executes no runs.</summary>
        public NeuroLabAppFactory StartB() => new(settings: new Dictionary<string, string?>(settings)
        {
            ["ConnectionStrings:NeuroLab"] = a.ConnectionString,
            ["NeuroLab:Compute:RunQueueEnabled"] = "false",
        });

        public static async Task<TwoMembers> CreateAsync(TimeSpan heartbeat, TimeSpan expiry)
        {
            var settings = new Dictionary<string, string?>
            {
                ["NeuroLab:Events:Redis"] = EventProcess.Isolated(TestServers.Redis!),
                ["NeuroLab:Events:Presence:Heartbeat"] = heartbeat.ToString(),
                ["NeuroLab:Events:Presence:Expiry"] = expiry.ToString(),
            };
            var a = new NeuroLabAppFactory(settings: settings);
            var alice = await a.RegisterAndSignInAsync("alice@lab.org");
            await a.RegisterAndSignInAsync("bob@lab.org");
            var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab" })).JsonAsync()).GetProperty("id").GetGuid();
            Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/members", new { email = "bob@lab.org", role = "viewer" })).StatusCode);
            return new TwoMembers(a, alice, ws, settings);
        }

        public static async Task<HubConnection> BobsHubAsync(NeuroLabAppFactory b)
        {
            var login = await b.CreateClient().PostAsJsonAsync("/api/v1/account/login", new { email = "bob@lab.org", password = ApiClient.Password });
            login.EnsureSuccessStatusCode();
            return b.RunsHub((await login.JsonAsync()).GetProperty("accessToken").GetString()!);
        }

        public void Dispose() => a.Dispose();
    }

    [RedisFact]
    public async Task InstanceStartedLater_LearnsWhoIsThereAtOnce_BothSeeEachOther_CleanStopTakesItsVisitorsOff()
    {
        // Heartbeats far apart: only the start-up query and the messages on change can make this pass in time.
        using var two = await TwoMembers.CreateAsync(heartbeat: TimeSpan.FromMinutes(2), expiry: TimeSpan.FromMinutes(5));
        await Eventually.TrueAsync(() => two.A.Services.GetRequiredService<RedisEventRelay>().IsConnected, TimeSpan.FromSeconds(30), "A connected to Redis");
        await using var aliceHub = two.A.RunsHub(two.Alice.DefaultRequestHeaders.Authorization!.Parameter!);
        var seenByAlice = new PresenceRecorder(aliceHub);
        await aliceHub.StartAsync();
        await aliceHub.InvokeAsync("JoinWorkspace", two.Workspace);
        Assert.Equal(["alice@lab.org"], Names(await aliceHub.InvokeAsync<JsonElement>("EnterPage", two.Workspace, PresencePages.Viewer)));

        // B starts after Alice entered on A.
        var b = two.StartB();
        var bobHub = await TwoMembers.BobsHubAsync(b);
        await Eventually.TrueAsync(() => b.Services.GetRequiredService<PresenceTracker>().Who(two.Workspace, PresencePages.Viewer).Count == 1, TimeSpan.FromSeconds(20), "B to learn of Alice from A");
        var seenByBob = new PresenceRecorder(bobHub);
        await bobHub.StartAsync();
        await bobHub.InvokeAsync("JoinWorkspace", two.Workspace);
        Assert.Equal(["alice@lab.org", "bob@lab.org"], Names(await bobHub.InvokeAsync<JsonElement>("EnterPage", two.Workspace, PresencePages.Viewer)));
        await Eventually.TrueAsync(() => seenByAlice.Latest.SequenceEqual(["alice@lab.org", "bob@lab.org"]), TimeSpan.FromSeconds(20), "Alice (on A) to see Bob (on B)");

        // B stops cleanly (a rolling update) with Bob still connected: he leaves Alice's list long before any expiry
        // could take him off.
        b.Dispose();
        await Eventually.TrueAsync(() => seenByAlice.Latest.SequenceEqual(["alice@lab.org"]), TimeSpan.FromSeconds(20), "Alice to see B's visitor go");
        await bobHub.DisposeAsync();
        Assert.DoesNotContain(seenByAlice.Types, t => t.StartsWith("presence.", StringComparison.Ordinal));
        Assert.DoesNotContain(seenByBob.Types, t => t.StartsWith("presence.", StringComparison.Ordinal));
        Assert.Contains("presence", seenByAlice.Types);
    }

    [RedisFact]
    public async Task SilentInstance_DropsOutAfterTheExpiry_LiveInstancesKeepTheirVisitorsByHeartbeat()
    {
        using var two = await TwoMembers.CreateAsync(heartbeat: TimeSpan.FromSeconds(1), expiry: TimeSpan.FromSeconds(8));
        using var b = two.StartB();
        await Eventually.TrueAsync(() => two.A.Services.GetRequiredService<RedisEventRelay>().IsConnected && b.Services.GetRequiredService<RedisEventRelay>().IsConnected,
            TimeSpan.FromSeconds(30), "both instances connected to Redis");
        await using var aliceHub = two.A.RunsHub(two.Alice.DefaultRequestHeaders.Authorization!.Parameter!);
        var seenByAlice = new PresenceRecorder(aliceHub);
        await aliceHub.StartAsync();
        await aliceHub.InvokeAsync("JoinWorkspace", two.Workspace);
        await aliceHub.InvokeAsync<JsonElement>("EnterPage", two.Workspace, PresencePages.Viewer);
        await using var bobHub = await TwoMembers.BobsHubAsync(b);
        await bobHub.StartAsync();
        await bobHub.InvokeAsync<JsonElement>("EnterPage", two.Workspace, PresencePages.Viewer);
        await Eventually.TrueAsync(() => seenByAlice.Latest.SequenceEqual(["alice@lab.org", "bob@lab.org"]), TimeSpan.FromSeconds(20), "Alice (on A) to see Bob (on B)");

        // A third process speaks once as an instance and falls silent, as a crashed instance does.
        await using (var ghost = await EventProcess.StartAsync(two.Redis))
        {
            await Eventually.TrueAsync(() => ghost.Relay.IsConnected, TimeSpan.FromSeconds(30), "the third process connected to Redis");
            ghost.Workspaces.Publish(new WorkspaceEvent
            {
                WorkspaceId = two.Workspace,
                Type = PresenceTracker.InstanceType,
                TargetKey = PresencePages.Viewer,
                Data = new InstancePresence("crashed-instance", [new PresenceMember("carol-id", "carol@lab.org", DateTime.UtcNow)]),
            });
            await Eventually.TrueAsync(() => seenByAlice.Latest.Contains("carol@lab.org"), TimeSpan.FromSeconds(20), "Alice to see the silent instance's visitor");
            var since = DateTime.UtcNow;
            await Eventually.TrueAsync(() => !seenByAlice.Latest.Contains("carol@lab.org"), TimeSpan.FromSeconds(40), "the silent instance's visitor to expire");
            // Not before the expiry; and Bob, whose instance kept repeating its list, is still there after it.
            Assert.True(DateTime.UtcNow - since >= TimeSpan.FromSeconds(7), $"expired after {DateTime.UtcNow - since}");
            Assert.Equal(["alice@lab.org", "bob@lab.org"], seenByAlice.Latest);
            await Eventually.TrueAsync(() => b.Services.GetRequiredService<PresenceTracker>().Who(two.Workspace, PresencePages.Viewer).All(m => m.UserId != "carol-id"),
                TimeSpan.FromSeconds(20), "B to forget the silent instance too");
        }
    }
}
