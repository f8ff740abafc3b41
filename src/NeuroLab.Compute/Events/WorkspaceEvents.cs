namespace NeuroLab.Compute.Events;

/// <summary>
/// One message about what people do in a workspace, as sent to browsers and external clients over SignalR (hub
/// <c>/hubs/runs</c>, client method <c>workspaceEvent</c>, to the group of the workspace). <see cref="Type"/> names it: <c>annotation.created</c>, <c>annotation.updated</c>,
/// <c>annotation.deleted</c>, <c>annotation.resolved</c>, <c>annotation.reopened</c>, <c>caption.reviewed</c>,
/// <c>presence</c>, <c>viewer.state</c>, <c>activity</c>. The contract is documented in docs/api/workspace-events.md.
/// </summary>
public sealed record WorkspaceEvent
{
    public required Guid WorkspaceId { get; init; }

    public required string Type { get; init; }

    /// <summary>The normalised key of what the event is about (an annotation target such as <c>unit:{run}:{index}</c>, a page), when it is about one thing.</summary>
    public string? TargetKey { get; init; }

    /// <summary>The run it concerns, when any (clients watching one run filter on it).</summary>
    public Guid? RunId { get; init; }

    public string? ActorUserId { get; init; }

    /// <summary>The actor as teammates see them (display name or email).</summary>
    public string? Actor { get; init; }

    /// <summary>The annotation (thread root or reply) the event is about.</summary>
    public Guid? AnnotationId { get; init; }

    /// <summary>The event's content (an annotation view, a review, a presence list, a viewer state), serialised as JSON to clients.</summary>
    public object? Data { get; init; }

    public DateTime AtUtc { get; init; } = DateTime.UtcNow;
}

/// <summary>Workspace event types that services other than the annotation and activity services publish.</summary>
public static class WorkspaceEventTypes
{
    /// <summary>A member was removed from the workspace or left it (<see cref="WorkspaceEvent.Data"/>: their user id): the hub takes their connections out of its groups and their open pages close.</summary>
    public const string MemberRemoved = "member.removed";

    /// <summary>
    /// Who is on a page of the workspace now (<see cref="WorkspaceEvent.TargetKey"/>: the page key, <see cref="WorkspaceEvent.Data"/>:
    /// the list), published by each web instance to its own pages and hub clients; never relayed between processes.
    /// </summary>
    public const string Presence = "presence";

    /// <summary>
    /// Events may have been missed (the connection to the cross-process event bus was down and is back): whoever shows
    /// workspace state reloads it from the database. <see cref="WorkspaceEvent.WorkspaceId"/> is empty; the hub sends it
    /// to every connection.
    /// </summary>
    public const string Resync = "resync";

    public static WorkspaceEvent ResyncEvent() => new() { WorkspaceId = Guid.Empty, Type = Resync };

    /// <summary>Publishes <see cref="MemberRemoved"/> after a removal or a leave has been saved.</summary>
    public static void PublishMemberRemoved(this IWorkspaceEventBus bus, Guid workspaceId, string memberUserId, string actorUserId) =>
        bus.Publish(new WorkspaceEvent { WorkspaceId = workspaceId, Type = MemberRemoved, TargetKey = "user:" + memberUserId, ActorUserId = actorUserId, Data = memberUserId });
}

/// <summary>The one stream of workspace events: services publish, the SignalR forwarder and Blazor pages receive. Publishing never waits.</summary>
public interface IWorkspaceEventBus
{
    void Publish(WorkspaceEvent e);

    IDisposable Subscribe(Func<WorkspaceEvent, Task> handler);
}

/// <summary>The in-process workspace event bus.</summary>
public sealed class WorkspaceEventBus : InProcessEventStream<WorkspaceEvent>, IWorkspaceEventBus;

/// <summary>Forwards workspace events from the bus to subscribers (SignalR, pages) for the host's lifetime.</summary>
public sealed class WorkspaceEventDispatcher(WorkspaceEventBus bus) : Microsoft.Extensions.Hosting.BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await bus.DispatchAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // Host stopping.
        }
    }
}
