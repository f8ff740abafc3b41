using NeuroLab.Compute.Events;
using NeuroLab.Web.Viewer;

namespace NeuroLab.Web.Collaboration;

/// <summary>
/// Co-viewing: each member's brain viewer hands its state here on every change; the relay keeps the latest per
/// (workspace, member) and publishes it as a <c>viewer.state</c> <see cref="WorkspaceEvent"/> (TargetKey
/// <c>viewer:{userId}</c>) for followers, at most every <see cref="MinInterval"/> with the newest state last.
/// </summary>
/// <remarks>
/// Published only while another member is on the viewer page (presence says so): followers need no handshake, and a
/// member alone sends nothing. A crosshair drag reports ~12 positions a second; 10 a second keeps a follower smooth
/// without flooding the workspace group. A member who starts following reads <see cref="Latest"/> at once instead of
/// waiting for the next move. Per process and in memory, like <see cref="PresenceTracker"/>; it also remembers every
/// <c>viewer.state</c> it hears (as <c>RsaThresholds</c> does for tRSA moves), so with several instances
/// (NeuroLab:Events:Redis) a follower here starts where a leader on another instance is.
/// </remarks>
public sealed class ViewerStateRelay : IDisposable
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);

    public const string EventType = "viewer.state";

    public static string TargetKey(string userId) => "viewer:" + userId;

    private sealed class Leader(string name)
    {
        public string Name { get; set; } = name;
        public ViewerState? Latest { get; set; }
        public ViewerState? Sent { get; set; }
        public DateTimeOffset SentAt { get; set; } = DateTimeOffset.MinValue;
        public bool Scheduled { get; set; }
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<(Guid Workspace, string UserId), Leader> _leaders = [];
    // States heard on the bus (this instance's own and, across processes, the other instances'); a state of a leader
    // on this instance wins over them.
    private readonly Dictionary<(Guid Workspace, string UserId), ViewerState> _heard = [];
    private readonly IWorkspaceEventBus _bus;
    private readonly PresenceTracker _presence;
    private readonly TimeProvider _time;
    private readonly IDisposable _subscription;

    public ViewerStateRelay(IWorkspaceEventBus bus, PresenceTracker presence, TimeProvider time)
    {
        (_bus, _presence, _time) = (bus, presence, time);
        _subscription = bus.Subscribe(e =>
        {
            if (e.Type == EventType && e.ActorUserId is { } leader && e.Data is ViewerState state)
            {
                lock (_lock)
                {
                    _heard[(e.WorkspaceId, leader)] = state;
                }
            }
            return Task.CompletedTask;
        });
    }

    public void Dispose() => _subscription.Dispose();

    /// <summary>The newest state of a member's viewer in a workspace, or null when they have not opened it.</summary>
    public ViewerState? Latest(Guid workspaceId, string userId)
    {
        lock (_lock)
        {
            return _leaders.TryGetValue((workspaceId, userId), out var leader) && leader.Latest is { } latest
                ? latest
                : _heard.GetValueOrDefault((workspaceId, userId));
        }
    }

    /// <summary>A member's viewer changed: remember it and publish it now or at the end of the current interval.</summary>
    public void Update(Guid workspaceId, string userId, string name, ViewerState state)
    {
        TimeSpan wait;
        lock (_lock)
        {
            var key = (workspaceId, userId);
            if (!_leaders.TryGetValue(key, out var leader))
            {
                _leaders[key] = leader = new Leader(name);
            }
            leader.Name = name;
            leader.Latest = state;
            if (leader.Scheduled)
            {
                return;
            }
            wait = leader.SentAt + MinInterval - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                leader.Scheduled = true;
            }
        }
        if (wait > TimeSpan.Zero)
        {
            _ = Task.Delay(wait, _time).ContinueWith(_ => Send(workspaceId, userId), TaskScheduler.Default);
        }
        else
        {
            Send(workspaceId, userId);
        }
    }

    private void Send(Guid workspaceId, string userId)
    {
        ViewerState state;
        string name;
        lock (_lock)
        {
            var leader = _leaders[(workspaceId, userId)];
            leader.Scheduled = false;
            if (leader.Latest is null || leader.Latest.SameAs(leader.Sent)
                || !_presence.Who(workspaceId, PresencePages.Viewer).Any(m => m.UserId != userId))
            {
                return;
            }
            state = leader.Latest;
            name = leader.Name;
            leader.Sent = state;
            leader.SentAt = _time.GetUtcNow();
        }
        _bus.Publish(new WorkspaceEvent
        {
            WorkspaceId = workspaceId,
            Type = EventType,
            TargetKey = TargetKey(userId),
            ActorUserId = userId,
            Actor = name,
            Data = state,
        });
    }
}
