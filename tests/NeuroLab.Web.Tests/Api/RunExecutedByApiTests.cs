using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NeuroLab.Compute.Runs;
using NeuroLab.Tests.Shared.ToyKind;
using NeuroLab.Web.Tests.Security;

namespace NeuroLab.Web.Tests.Api;

/// <summary>The run API says which process executed a run (<c>executedBy</c>): in-process mode, this app's run queue.</summary>
public sealed class RunExecutedByApiTests(ToyKindFixture f) : IClassFixture<ToyKindFixture>
{
    [Fact]
    public async Task Run_ExecutedInProcess_ExecutedByIsThisAppsHostId_InTheRunAndTheList()
    {
        var created = await f.Alice.PostAsJsonAsync($"/api/v1/workspaces/{f.WorkspaceId}/runs",
            new { kind = ToyJob.Name, datasetId = f.DatasetId, parameters = new { responseSetId = f.ResponseSetId } });
        var id = (await created.JsonAsync()).GetProperty("id").GetString()!;
        var host = f.Factory.Services.GetRequiredService<RunQueue>().HostId;

        var deadline = DateTime.UtcNow.AddMinutes(2);
        JsonElement run;
        do
        {
            await Task.Delay(100);
            run = await (await f.Alice.GetAsync($"/api/v1/runs/{id}")).JsonAsync();
        }
        while (run.GetProperty("status").GetString() is "queued" or "running" && DateTime.UtcNow < deadline);

        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal(host, run.GetProperty("executedBy").GetString());
        var listed = (await (await f.Alice.GetAsync($"/api/v1/workspaces/{f.WorkspaceId}/runs")).JsonAsync()).EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);
        Assert.Equal(host, listed.GetProperty("executedBy").GetString());
    }
}
