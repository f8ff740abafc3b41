using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using NeuroLab.Compute.Events.Redis;

namespace NeuroLab.Web.Tests.ScaleOut;

/// <summary>
/// The deployment of issue 15 on loopback, with real servers: one PostgreSQL database and one Redis server shared by two
/// web instances in workers mode (they only enqueue Hangfire jobs) and two <c>NeuroLab.Worker</c> processes. A run
/// submitted through web A is executed by one of the workers, and a SignalR client connected to web B watches its live
/// progress to the end; the API on either instance names the worker that executed it.
/// </summary>
public sealed class TwoWebsTwoWorkersTests
{
    [ScaleOutFact]
    public async Task RunSubmittedOnA_ExecutedByAWorker_ClientOnB_SeesItsLiveProgress()
    {
        using var database = PostgresTestDatabase.Create();
        var redis = EventProcess.Isolated(TestServers.Redis!);
        var shared = Directory.CreateTempSubdirectory("neurolab-scaleout-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["NeuroLab:Database:Provider"] = "postgresql",
            ["ConnectionStrings:NeuroLab"] = database.ConnectionString,
            ["NeuroLab:Events:Redis"] = redis,
            ["NeuroLab:Compute:Mode"] = "workers",
            ["NeuroLab:Compute:PollInterval"] = "00:00:00.200",
            // The content store is one folder every process reaches (or one S3 bucket).
            ["NeuroLab:DataDirectory"] = shared,
        };
        try
        {
            using var a = new NeuroLabAppFactory(settings: settings);
            var alice = await a.RegisterAndSignInAsync("alice@lab.org");
            using var b = new NeuroLabAppFactory(settings: settings);
            var clientOfB = b.CreateClient();
            var login = await clientOfB.PostAsJsonAsync("/api/v1/account/login", new { email = "alice@lab.org", password = ApiClient.Password });
            login.EnsureSuccessStatusCode();
            var tokenOnB = (await login.JsonAsync()).GetProperty("accessToken").GetString()!;
            clientOfB.DefaultRequestHeaders.Authorization = new("Bearer", tokenOnB);

            var workerSettings = new Dictionary<string, string>
            {
                ["DOTNET_ENVIRONMENT"] = "Production",
                ["NeuroLab__Database__Provider"] = "postgresql",
                ["ConnectionStrings__NeuroLab"] = database.ConnectionString,
                ["NeuroLab__Events__Redis"] = redis,
                ["NeuroLab__Compute__Mode"] = "workers",
                ["NeuroLab__Compute__PollInterval"] = "00:00:00.200",
                ["NeuroLab__DataDirectory"] = shared,
                ["NeuroLab__Samples__MirrorDirectory"] = SharedData.Root,
            };
            using var worker1 = WorkerProcess.Start("worker-1", new Dictionary<string, string>(workerSettings) { ["NeuroLab__Compute__HostId"] = "worker-1" });
            using var worker2 = WorkerProcess.Start("worker-2", new Dictionary<string, string>(workerSettings) { ["NeuroLab__Compute__HostId"] = "worker-2" });

            var ws = (await (await alice.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab" })).JsonAsync()).GetProperty("id").GetGuid();
            var dataset = await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "allen-v1" })).JsonAsync();
            var datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString();
            var experiment = (await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/experiments", new { datasetId, name = "Scale-out" })).JsonAsync()).GetProperty("id").GetGuid();
            await Eventually.TrueAsync(() => a.Services.GetRequiredService<RedisEventRelay>().IsConnected && b.Services.GetRequiredService<RedisEventRelay>().IsConnected,
                TimeSpan.FromSeconds(30), "both web instances connected to Redis");

            List<JsonElement> seenOnB = [];
            await using var hubOnB = b.RunsHub(tokenOnB);
            hubOnB.On<JsonElement>("runEvent", e =>
            {
                lock (seenOnB)
                {
                    seenOnB.Add(e);
                }
            });
            await hubOnB.StartAsync();
            await hubOnB.InvokeAsync("JoinExperiment", experiment);
            List<JsonElement> Seen()
            {
                lock (seenOnB)
                {
                    return [.. seenOnB];
                }
            }

            var submitted = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new
            {
                kind = "encoding-ridge",
                datasetId,
                experimentId = experiment,
                parameters = new { responseSetId = dataset.GetProperty("responseSets")[0].GetProperty("id").GetString(), features = "pixels", alphas = new[] { 1.0, 100, 1e4 }, folds = 3 },
            });
            submitted.EnsureSuccessStatusCode();
            var runId = (await submitted.JsonAsync()).GetProperty("id").GetGuid();

            await Eventually.TrueAsync(() => Seen().Any(e => e.GetProperty("status").GetString() == "succeeded"), TimeSpan.FromMinutes(3),
                $"the run's success to reach the client on B\n--- worker-1 ---\n{worker1.OutputTail()}\n--- worker-2 ---\n{worker2.OutputTail()}");
            var events = Seen();
            Assert.All(events, e => Assert.Equal(runId, e.GetProperty("runId").GetGuid()));
            Assert.Contains(events, e => e.GetProperty("type").GetString() == "progress");
            Assert.Contains(events, e => e.GetProperty("status").GetString() == "running");
            Assert.Single(events, e => e.GetProperty("status").GetString() == "succeeded");
            // Progress comes in order and live (several steps before the end), each event once.
            var steps = events.Where(e => e.GetProperty("type").GetString() == "progress").Select(e => e.GetProperty("atUtc").GetString()).ToList();
            Assert.True(steps.Count >= 2, $"expected live progress, got {steps.Count} progress events");
            Assert.Equal(steps.Count, steps.Distinct().Count());

            // Either instance's API names the worker that executed the run; neither web instance executed it.
            foreach (var client in new[] { alice, clientOfB })
            {
                var run = await (await client.GetAsync($"/api/v1/runs/{runId}")).JsonAsync();
                Assert.Equal("succeeded", run.GetProperty("status").GetString());
                Assert.Contains(run.GetProperty("executedBy").GetString(), new[] { "worker-1", "worker-2" });
                Assert.Equal(1, run.GetProperty("attempt").GetInt32());
            }
            Assert.NotEmpty(await ApiClient.WaitForArtifactsAsync(clientOfB, runId.ToString()));
        }
        finally
        {
            try
            {
                Directory.Delete(shared, recursive: true);
            }
            catch (IOException)
            {
                // A worker's handle may still be closing.
            }
        }
    }
}
