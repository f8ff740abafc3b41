using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using NeuroLab.Compute.Events.Redis;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.Runs;
using NeuroLab.Tests.Shared.ToyKind;

namespace NeuroLab.Web.Tests.ScaleOut;

/// <summary>
/// Two web instances sharing one database and a Redis server (NEUROLAB_TEST_REDIS): A executes the run, B only serves
/// a hub client. Each instance forwards the bus to its own connections (no SignalR backplane), so B's client gets
/// every event of the run once — the same sequence A's own client gets — and an event published by a third process
/// once too (docs/decisions/018-events-across-processes.md).
/// </summary>
public sealed class CrossInstanceEventsTests
{
    private static (string Type, string? Stage, long? Step, string? Status, string? Message, string AtUtc) Key(JsonElement e) =>
        (e.GetProperty("type").GetString()!, e.GetProperty("stage").GetString(), e.GetProperty("step").ValueKind == JsonValueKind.Number ? e.GetProperty("step").GetInt64() : null,
         e.GetProperty("status").GetString(), e.GetProperty("message").GetString(), e.GetProperty("atUtc").GetString()!);

    private sealed class HubRecorder
    {
        private readonly List<JsonElement> _events = [];

        public HubRecorder(HubConnection hub) => hub.On<JsonElement>("runEvent", e =>
        {
            lock (_events)
            {
                _events.Add(e);
            }
        });

        public List<JsonElement> Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }
    }

    [RedisFact]
    public async Task RunOnA_HubClientOnB_GetsEachEventOnce_AsAClientOnAWould()
    {
        var redis = EventProcess.Isolated(TestServers.Redis!);
        using var a = new NeuroLabAppFactory(
            settings: new Dictionary<string, string?> { ["NeuroLab:Events:Redis"] = redis },
            services: s => s.AddRunKind<ToyParameters, ToySummary, ToyJob>());
        var alice = await a.RegisterAndSignInAsync("alice@lab.org");
        using var b = new NeuroLabAppFactory(
            settings: new Dictionary<string, string?>
            {
                ["NeuroLab:Events:Redis"] = redis,
                // The same database (A has migrated it); B never executes runs.
                ["ConnectionStrings:NeuroLab"] = a.ConnectionString,
                ["NeuroLab:Compute:RunQueueEnabled"] = "false",
            },
            services: s => s.AddRunKind<ToyParameters, ToySummary, ToyJob>());
        var clientOfB = b.CreateClient();
        var login = await clientOfB.PostAsJsonAsync("/api/v1/account/login", new { email = "alice@lab.org", password = ApiClient.Password });
        login.EnsureSuccessStatusCode();
        var tokenOnB = (await login.JsonAsync()).GetProperty("accessToken").GetString()!;
        var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab" })).JsonAsync()).GetProperty("id").GetGuid();
        var dataset = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "allen-v1" })).JsonAsync();
        var datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString();
        var experiment = (await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/experiments", new { datasetId, name = "Toys" })).JsonAsync()).GetProperty("id").GetGuid();
        await Eventually.TrueAsync(() => a.Services.GetRequiredService<RedisEventRelay>().IsConnected && b.Services.GetRequiredService<RedisEventRelay>().IsConnected,
            TimeSpan.FromSeconds(30), "both instances connected to Redis");

        await using var hubOnA = a.RunsHub(alice.DefaultRequestHeaders.Authorization!.Parameter!);
        await using var hubOnB = b.RunsHub(tokenOnB);
        var (seenOnA, seenOnB) = (new HubRecorder(hubOnA), new HubRecorder(hubOnB));
        await hubOnA.StartAsync();
        await hubOnB.StartAsync();
        await hubOnA.InvokeAsync("JoinExperiment", experiment);
        await hubOnB.InvokeAsync("JoinExperiment", experiment);

        var submitted = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new
        {
            kind = ToyJob.Name,
            datasetId,
            experimentId = experiment,
            parameters = new { responseSetId = dataset.GetProperty("responseSets")[0].GetProperty("id").GetString(), statistic = "mean", scale = 2 },
        });
        submitted.EnsureSuccessStatusCode();
        var runId = (await submitted.JsonAsync()).GetProperty("id").GetGuid();
        // A third process (a worker) reports on the same run.
        await using (var third = await EventProcess.StartAsync(redis))
        {
            await Eventually.TrueAsync(() => seenOnA.Events.Any(e => e.GetProperty("status").GetString() == "succeeded"), TimeSpan.FromMinutes(2), "the run to finish on A");
            third.Runs.Publish(new RunEvent { RunId = runId, ExperimentId = experiment, WorkspaceId = ws, Type = "log", Message = "from a third process" });
            foreach (var seen in new[] { seenOnA, seenOnB })
            {
                await Eventually.TrueAsync(() => seen.Events.Any(e => e.GetProperty("message").GetString() == "from a third process"), TimeSpan.FromSeconds(30), "the third process's event");
            }
        }

        await Eventually.TrueAsync(() => seenOnB.Events.Count >= seenOnA.Events.Count, TimeSpan.FromSeconds(30), "B to have as many events as A");
        var onA = seenOnA.Events.Select(Key).ToList();
        var onB = seenOnB.Events.Select(Key).ToList();
        Assert.Contains(onB, e => e.Type == "progress" && e.Stage == "units");
        Assert.Single(onB, e => e.Status == "succeeded");
        Assert.Single(onB, e => e.Message == "from a third process");
        Assert.Equal(onB.Count, onB.Distinct().Count());
        // Events of one publisher keep their order; the third process's log may land anywhere after the run's last event.
        Assert.Equal(onA.Where(e => e.Message != "from a third process"), onB.Where(e => e.Message != "from a third process"));
        Assert.All(seenOnB.Events, e => Assert.Equal(runId, e.GetProperty("runId").GetGuid()));
    }
}
