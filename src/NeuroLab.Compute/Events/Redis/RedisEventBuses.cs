using NeuroLab.Compute.Runs;

namespace NeuroLab.Compute.Events.Redis;

/// <summary>The run event bus across processes: delivers locally at once (as in one process) and sends to the others through the relay.</summary>
public sealed class RedisRunEventBus(RunEventBus local, RedisEventRelay relay) : IRunEventBus
{
    public void Publish(RunEvent e)
    {
        local.Publish(e);
        relay.Send(e);
    }

    public IDisposable Subscribe(Func<RunEvent, Task> handler) => local.Subscribe(handler);
}

/// <summary>
/// The workspace event bus across processes: delivers locally at once and sends to the others through the relay —
/// all but <c>presence</c>: each instance publishes its own merged lists to its own pages and hub clients, and another
/// instance's list would replace them (instances exchange their own visitors as <c>presence.instance</c> events instead:
/// NeuroLab.Web's PresenceExchange).
/// </summary>
public sealed class RedisWorkspaceEventBus(WorkspaceEventBus local, RedisEventRelay relay) : IWorkspaceEventBus
{
    public void Publish(WorkspaceEvent e)
    {
        local.Publish(e);
        if (e.Type != WorkspaceEventTypes.Presence)
        {
            relay.Send(e);
        }
    }

    public IDisposable Subscribe(Func<WorkspaceEvent, Task> handler) => local.Subscribe(handler);
}
