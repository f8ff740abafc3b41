using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using NeuroLab.Compute.Runs;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Hubs;

/// <summary>
/// Live run events at <c>/hubs/runs</c>. Clients call <c>JoinRun(runId)</c> or <c>JoinExperiment(experimentId)</c>
/// and then receive <c>runEvent</c> messages (see docs/api/run-events.md). Joining a run or experiment of a
/// workspace the caller is not a member of fails with "not found".
/// </summary>
[Authorize]
public sealed class RunsHub(RunService runs) : Hub
{
    public static string RunGroup(Guid runId) => "run:" + runId.ToString("N");

    public static string ExperimentGroup(Guid experimentId) => "experiment:" + experimentId.ToString("N");

    public async Task JoinRun(Guid runId)
    {
        if (!await runs.CanWatchRunAsync(UserId, runId, Context.ConnectionAborted))
        {
            throw new HubException($"Run {runId} was not found.");
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, RunGroup(runId), Context.ConnectionAborted);
    }

    public Task LeaveRun(Guid runId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, RunGroup(runId));

    public async Task JoinExperiment(Guid experimentId)
    {
        if (!await runs.CanWatchExperimentAsync(UserId, experimentId, Context.ConnectionAborted))
        {
            throw new HubException($"Experiment {experimentId} was not found.");
        }
        await Groups.AddToGroupAsync(Context.ConnectionId, ExperimentGroup(experimentId), Context.ConnectionAborted);
    }

    public Task LeaveExperiment(Guid experimentId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, ExperimentGroup(experimentId));

    private string UserId => Context.User?.RequireUserId() ?? throw new HubException("Not signed in.");
}

/// <summary>Sends every run event to the SignalR groups of its run and experiment.</summary>
public sealed class RunHubForwarder(IRunEventBus bus, IHubContext<RunsHub> hub) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = bus.Subscribe(async e =>
        {
            await hub.Clients.Group(RunsHub.RunGroup(e.RunId)).SendAsync("runEvent", e);
            if (e.ExperimentId is { } experiment)
            {
                await hub.Clients.Group(RunsHub.ExperimentGroup(experiment)).SendAsync("runEvent", e);
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }
}
