using Microsoft.Extensions.Options;
using NeuroLab.Compute.Events;
using NeuroLab.Compute.Events.Redis;

namespace NeuroLab.Web.Collaboration;

/// <summary>How web instances keep each other's presence lists (<c>NeuroLab:Events:Presence</c>; only with NeuroLab:Events:Redis).</summary>
public sealed class PresenceExchangeOptions
{
    public const string Section = "NeuroLab:Events:Presence";

    /// <summary>How often an instance repeats its own lists to the others (and checks for silent ones).</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long another instance's word lasts without being repeated (an instance that died unannounced); at least two
    /// heartbeats. Checked every heartbeat, so a dead instance's visitors leave within Expiry + Heartbeat.
    /// </summary>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Presence across web instances (registered with NeuroLab:Events:Redis): names this instance to the
/// <see cref="PresenceTracker"/>, which then tells the others its own lists as they change; feeds what the others say
/// (<see cref="PresenceTracker.InstanceType"/> events, relayed through Redis) into the tracker; every
/// <see cref="PresenceExchangeOptions.Heartbeat"/> repeats this instance's lists and forgets instances silent for
/// longer than <see cref="PresenceExchangeOptions.Expiry"/>; on start, and after a Redis outage (<c>resync</c>), asks
/// the others for their lists (<see cref="QueryType"/>) rather than waiting for their heartbeats; on a clean stop
/// withdraws this instance's lists so its visitors leave the others' pages at once. The instance is named by its
/// relay's <see cref="RedisEventRelay.Origin"/>: one identity per process on the wire.
/// </summary>
public sealed class PresenceExchange(PresenceTracker presence, RedisEventRelay relay, IWorkspaceEventBus bus, IOptions<PresenceExchangeOptions> options, TimeProvider time)
    : IHostedService, IAsyncDisposable
{
    /// <summary>The workspace event an instance sends (Data: its name) when it starts or has missed events, so the others repeat their lists at once.</summary>
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
        var instance = relay.Origin;
        presence.ShareAs(instance);
        _subscription = bus.Subscribe(e =>
        {
            if (e.Type == PresenceTracker.InstanceType && e.Data is InstancePresence said && e.TargetKey is { } page)
            {
                presence.ApplyRemote(said.Instance, e.WorkspaceId, page, said.Members);
            }
            else if (e.Type == QueryType && e.Data is string asking && asking != instance)
            {
                presence.RepeatOwnLists();
            }
            else if (e.Type == WorkspaceEventTypes.Resync)
            {
                // This instance may have missed the others' changes, and they this instance's.
                presence.RepeatOwnLists();
                Ask(instance);
            }
            return Task.CompletedTask;
        });
        _timer = time.CreateTimer(_ =>
        {
            presence.RepeatOwnLists();
            presence.ExpireRemote(settings.Expiry);
        }, null, settings.Heartbeat, settings.Heartbeat);
        Ask(instance);
        return Task.CompletedTask;
    }

    private void Ask(string instance) => bus.Publish(new WorkspaceEvent { WorkspaceId = Guid.Empty, Type = QueryType, Data = instance });

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_timer is not null)
        {
            // Waits for a heartbeat in progress, so none repeats the lists after the withdrawal below.
            await _timer.DisposeAsync();
        }
        _subscription?.Dispose();
        presence.Withdraw();
    }

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }
        _subscription?.Dispose();
    }
}
