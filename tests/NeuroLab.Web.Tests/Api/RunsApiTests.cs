using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace NeuroLab.Web.Tests.Api;

/// <summary>Runs over the REST API and live events over SignalR with the .NET client, as an external script would.</summary>
public sealed class RunsApiTests : IDisposable
{
    private readonly NeuroLabAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private async Task<(HttpClient Client, string Token, Guid Workspace, JsonElement Dataset)> OwnerWithAllenAsync(string email = "alice@lab.org")
    {
        var client = await _factory.RegisterAndSignInAsync(email);
        var token = client.DefaultRequestHeaders.Authorization!.Parameter!;
        var ws = (await (await client.PostAsJsonAsync("/api/v1/workspaces", new { name = "Lab" })).JsonAsync()).GetProperty("id").GetGuid();
        var dataset = await (await client.PostAsJsonAsync($"/api/v1/workspaces/{ws}/datasets", new { sample = "allen-v1" })).JsonAsync();
        return (client, token, ws, dataset);
    }

    private HubConnection Hub(string token) => _factory.RunsHub(token);

    [Fact]
    public async Task Run_ViaApi_StreamsEventsToMembers_OutsiderCannotJoin()
    {
        var (alice, token, ws, dataset) = await OwnerWithAllenAsync();
        var datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString();
        var experiment = (await (await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/experiments", new { datasetId, name = "V1 pixels" })).JsonAsync()).GetProperty("id").GetGuid();

        await using var hub = Hub(token);
        var events = new List<JsonElement>();
        var finished = new TaskCompletionSource();
        hub.On<JsonElement>("runEvent", e =>
        {
            lock (events)
            {
                events.Add(e);
            }
            if (e.GetProperty("type").GetString() == "status" && e.GetProperty("status").GetString() is "succeeded" or "failed")
            {
                finished.TrySetResult();
            }
        });
        await hub.StartAsync();
        await hub.InvokeAsync("JoinExperiment", experiment);

        var submitted = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new
        {
            kind = "encoding-ridge",
            datasetId,
            experimentId = experiment,
            seed = 3,
            parameters = new { responseSetId = dataset.GetProperty("responseSets")[0].GetProperty("id").GetString(), features = "gabor", imageSize = 31 },
        });
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var runId = (await submitted.JsonAsync()).GetProperty("id").GetGuid();
        await finished.Task.WaitAsync(TimeSpan.FromMinutes(2));

        lock (events)
        {
            Assert.Contains(events, e => e.GetProperty("type").GetString() == "progress" && e.GetProperty("runId").GetGuid() == runId);
            Assert.Contains(events, e => e.GetProperty("type").GetString() == "status" && e.GetProperty("status").GetString() == "succeeded");
        }
        var run = await (await alice.GetAsync($"/api/v1/runs/{runId}")).JsonAsync();
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal(3, run.GetProperty("seed").GetInt32());
        Assert.True(run.GetProperty("summary").GetProperty("meanTestR").ValueKind == JsonValueKind.Number);
        var artifacts = await (await alice.GetAsync($"/api/v1/runs/{runId}/artifacts")).JsonAsync();
        var testR = artifacts.EnumerateArray().Single(a => a.GetProperty("name").GetString() == "test_r.npy");
        var npy = await alice.GetByteArrayAsync(testR.GetProperty("url").GetString());
        Assert.Equal(0x93, npy[0]);

        // Someone outside the workspace can neither join the run nor the experiment.
        var carol = await _factory.RegisterAndSignInAsync("carol@lab.org");
        await using var outsider = Hub(carol.DefaultRequestHeaders.Authorization!.Parameter!);
        await outsider.StartAsync();
        var e1 = await Assert.ThrowsAsync<HubException>(() => outsider.InvokeAsync("JoinRun", runId));
        Assert.Contains("not found", e1.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HubException>(() => outsider.InvokeAsync("JoinExperiment", experiment));
    }

    [Fact]
    public async Task Hub_RequiresSignIn()
    {
        await using var anonymous = _factory.RunsHub(null);
        var e = await Assert.ThrowsAnyAsync<Exception>(() => anonymous.StartAsync());
        Assert.True(e is HttpRequestException { StatusCode: HttpStatusCode.Unauthorized }, e.ToString());
    }

    [Fact]
    public async Task Submit_BadParameters_Is422WithReasons_NothingQueued()
    {
        var (alice, _, ws, dataset) = await OwnerWithAllenAsync();
        var response = await alice.PostAsJsonAsync($"/api/v1/workspaces/{ws}/runs", new
        {
            kind = "encoding-ridge",
            datasetId = dataset.GetProperty("dataset").GetProperty("id").GetString(),
            parameters = new { responseSetId = Guid.NewGuid(), folds = 1 },
        });
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.True(problem.GetProperty("errors").GetArrayLength() >= 2);
        Assert.Equal(0, (await (await alice.GetAsync($"/api/v1/workspaces/{ws}/runs")).JsonAsync()).GetArrayLength());
        var kinds = await (await alice.GetAsync("/api/v1/run-kinds")).JsonAsync();
        Assert.Contains("encoding-ridge", kinds.EnumerateArray().Select(k => k.GetProperty("name").GetString()));
    }
}
