using Microsoft.Extensions.Options;
using NeuroLab.Compute.Events;

namespace NeuroLab.Web.Collaboration;

/// <summary>How web instances keep each other's presence lists (<c>NeuroLab:Events:Presence</c>; only with NeuroLab:Events:Redis).</summary>
public sealed class PresenceExchangeOptions
{
    public const string Section = "NeuroLab:Events:Presence";

    /// <summary>How often an instance repeats its own lists to the others.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long another instance's word lasts without being repeated (an instance that died unannounced); at least two heartbeats.</summary>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Presence across web instances (registered with NeuroLab:Events:Redis): names this instance to the
/// <see cref="PresenceTracker"/>, which then tells the others its own lists as they change; feeds what the others say
/// (<see cref="PresenceTracker.InstanceType"/> events, relayed through Redis) into the tracker; every
/// <see cref="PresenceExchangeOptions.Heartbeat"/> repeats this instance's lists and forgets instances silent for
/// longer than <see cref="PresenceExchangeOptions.Expiry"/>; on start asks the others for their lists
/// (<see cref="QueryType"/>) rather than waiting for their heartbeats; after a Redis outage (<c>resync</c>) repeats at once; on a
/// clean stop withdraws this instance's lists so its visitors leave the others' pages at once.
/// </summary>
public sealed class PresenceExchange(PresenceTracker presence, IWorkspaceEventBus bus, IOptions<PresenceExchangeOptions> options, TimeProvider time)
    : IHostedService, IDisposable
{
    /// <summary>The workspace event a starting instance sends (Data: its name) so the others repeat their lists at once.</summary>
    public const string QueryType = "presence.query";

    private IDisposable? _subscription;
    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.Heartbeat <= TimeSpan.Zero || settings.Expiry < 2 * settings.Heartbeat)
        {
            throw new InvalidOperationException($"{PresenceExchangeOptions.Section}: Heartbeat must be positive and Expiry at least two heartbeats (got {settings.Heartbeat} and {settings.Expiry}).");
        }
        var instance = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        presence.ShareAs(instance);
        _subscription = bus.Subscribe(e =>
        {
            if (e.Type == PresenceTracker.InstanceType && e.Data is InstancePresence said && e.TargetKey is { } page)
            {
                presence.ApplyRemote(said.Instance, e.WorkspaceId, page, said.Members);
            }
            else if (e.Type == QueryType && e.Data is string asking && asking != instance)
            {
                // A new instance asks what the others have: answer now rather than at the next heartbeat.
                presence.RepeatOwnLists();
            }
            else if (e.Type == WorkspaceEventTypes.Resync)
            {
                // Others may have missed this instance's changes while Redis was away.
                presence.RepeatOwnLists();
            }
            return Task.CompletedTask;
        });
        _timer = time.CreateTimer(_ =>
        {
            presence.RepeatOwnLists();
            presence.ExpireRemote(settings.Expiry);
        }, null, settings.Heartbeat, settings.Heartbeat);
        bus.Publish(new WorkspaceEvent { WorkspaceId = Guid.Empty, Type = QueryType, Data = instance });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _subscription?.Dispose();
        presence.RepeatOwnLists(withdraw: true);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _subscription?.Dispose();
    }
}
