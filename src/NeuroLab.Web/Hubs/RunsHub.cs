using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using NeuroLab.Compute.Events;
using NeuroLab.Compute.Runs;
using NeuroLab.Data.Workspaces;
using NeuroLab.Web.Security;

namespace NeuroLab.Web.Hubs;

/// <summary>
/// Live run and workspace events at <c>/hubs/runs</c>. Clients call <c>JoinRun(runId)</c> or
/// <c>JoinExperiment(experimentId)</c> and then receive <c>runEvent</c> messages (see docs/api/run-events.md), and
/// <c>JoinWorkspace(workspaceId)</c> for <c>workspaceEvent</c> messages (comments, reviews, presence; see
/// docs/api/workspace-events.md). Joining a run,
/// experiment or workspace the caller is not a member of fails with "not found".
/// </summary>
[Authorize]
public sealed partial class RunsHub(RunService runs, WorkspaceService workspaces, NeuroLab.Web.Collaboration.PresenceTracker presence, HubGroupRegistry registry) : Hub
{
    public static string WorkspaceGroup(Guid workspaceId) => "workspace:" + workspaceId.ToString("N");

    public async Task JoinWorkspace(Guid workspaceId)
    {
        if (await workspaces.GetRoleAsync(UserId, workspaceId, Context.ConnectionAborted) is null)
        {
            throw new HubException($"Workspace {workspaceId} was not found.");
        }
        await AddAsync(workspaceId, WorkspaceGroup(workspaceId));
    }

    public Task LeaveWorkspace(Guid workspaceId) => RemoveAsync(WorkspaceGroup(workspaceId));

    public static string RunGroup(Guid runId) => "run:" + runId.ToString("N");

    public static string ExperimentGroup(Guid experimentId) => "experiment:" + experimentId.ToString("N");

    public async Task JoinRun(Guid runId)
    {
        if (!await runs.CanWatchRunAsync(UserId, runId, Context.ConnectionAborted))
        {
            throw new HubException($"Run {runId} was not found.");
        }
        var run = await runs.GetAsync(UserId, runId, Context.ConnectionAborted);
        await AddAsync(run.WorkspaceId, RunGroup(runId));
    }

    public Task LeaveRun(Guid runId) => RemoveAsync(RunGroup(runId));

    public async Task JoinExperiment(Guid experimentId)
    {
        if (!await runs.CanWatchExperimentAsync(UserId, experimentId, Context.ConnectionAborted))
        {
            throw new HubException($"Experiment {experimentId} was not found.");
        }
        var experiment = await runs.GetExperimentAsync(UserId, experimentId, Context.ConnectionAborted);
        await AddAsync(experiment.WorkspaceId, ExperimentGroup(experimentId));
    }

    public Task LeaveExperiment(Guid experimentId) => RemoveAsync(ExperimentGroup(experimentId));

    /// <summary>Joins a group of a workspace, remembered so that removal from the workspace takes the connection out (see <see cref="HubGroupRegistry"/>).</summary>
    private async Task AddAsync(Guid workspaceId, string group)
    {
        registry.Joined(Context.ConnectionId, UserId, workspaceId, group);
        await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
    }

    private Task RemoveAsync(string group)
    {
        registry.Left(Context.ConnectionId, group);
        return Groups.RemoveFromGroupAsync(Context.ConnectionId, group);
    }

    private string UserId => Context.User?.RequireUserId() ?? throw new HubException("Not signed in.");
}

/// <summary>
/// Sends every run event to the SignalR groups of its run and experiment, and every workspace event to its workspace's
/// group — on this instance only: with several web instances each one receives every event from the others through the
/// event bus (NeuroLab:Events:Redis) and forwards it to its own connections, so each client gets each event once, with
/// no SignalR backplane (docs/decisions/018-events-across-processes.md). A <c>resync</c> goes to every connection.
/// </summary>
public sealed class RunHubForwarder(IRunEventBus bus, IWorkspaceEventBus workspaceBus, IHubContext<RunsHub> hub, HubGroupRegistry registry) : IHostedService
{
    private IDisposable? _subscription;
    private IDisposable? _workspaceSubscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = bus.Subscribe(async e =>
        {
            if (e.Type == RunEventTypes.Resync)
            {
                // This instance may have missed events of any run: every client here reloads what it shows.
                await hub.Clients.All.SendAsync("runEvent", e);
                return;
            }
            await hub.Clients.Group(RunsHub.RunGroup(e.RunId)).SendAsync("runEvent", e);
            if (e.ExperimentId is { } experiment)
            {
                await hub.Clients.Group(RunsHub.ExperimentGroup(experiment)).SendAsync("runEvent", e);
            }
        });
        _workspaceSubscription = workspaceBus.Subscribe(async e =>
        {
            if (e.Type == WorkspaceEventTypes.MemberRemoved && e.Data is string removed)
            {
                // Out of every group of that workspace before anything else reaches them.
                foreach (var (connection, group) in registry.TakeGroupsOf(removed, e.WorkspaceId))
                {
                    await hub.Groups.RemoveFromGroupAsync(connection, group);
                }
            }
            if (e.Type == WorkspaceEventTypes.Resync)
            {
                await hub.Clients.All.SendAsync("workspaceEvent", e);
                return;
            }
            if (e.Type.StartsWith("mention.", StringComparison.Ordinal)
                || e.Type is NeuroLab.Web.Collaboration.PresenceTracker.InstanceType or NeuroLab.Web.Collaboration.PresenceExchange.QueryType)
            {
                // A member's own reading of their mentions is for their own pages, not the workspace; one instance's
                // share of a presence list is for the other instances (clients get the merged "presence").
                return;
            }
            await hub.Clients.Group(RunsHub.WorkspaceGroup(e.WorkspaceId)).SendAsync("workspaceEvent", e);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        _workspaceSubscription?.Dispose();
        return Task.CompletedTask;
    }
}
