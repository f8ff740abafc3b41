using NeuroLab.Compute.Events;
using NeuroLab.Compute.Events.Redis;
using NeuroLab.Compute.Runs;
using NeuroLab.Web.Collaboration;
using NeuroLab.Web.Viewer;

namespace NeuroLab.Web.Tests.Collaboration;

/// <summary>The in-process presence list and the viewer-state relay, with a recording event bus and a hand-moved clock.</summary>
public sealed class PresenceTrackerTests
{
    private static readonly Guid Workspace = Guid.NewGuid();

    internal sealed class RecordingBus : IWorkspaceEventBus
    {
        public List<WorkspaceEvent> Events { get; } = [];

        public void Publish(WorkspaceEvent e)
        {
            lock (Events)
            {
                Events.Add(e);
            }
        }

        /// <summary>Records only: subscribers (the viewer relay's memory of heard states) hear nothing here.</summary>
        public IDisposable Subscribe(Func<WorkspaceEvent, Task> handler) => new Unsubscribed();

        private sealed class Unsubscribed : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }

    internal sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly RecordingBus _bus = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 7, 10, 2, 0, TimeSpan.Zero));

    [Fact]
    public void Enter_TwoTabsOfOneUser_CountOnce_SinceTheFirst_OnePresenceEvent()
    {
        var tracker = new PresenceTracker(_bus, _clock);
        tracker.Enter(Workspace, PresencePages.Viewer, "tab1", "a", "alice@lab.org");
        _clock.Now = _clock.Now.AddMinutes(3);
        var list = tracker.Enter(Workspace, PresencePages.Viewer, "tab2", "a", "alice@lab.org");

        var alice = Assert.Single(list);
        Assert.Equal(new DateTime(2026, 12, 7, 10, 2, 0, DateTimeKind.Utc), alice.SinceUtc);
        // The second tab changes nothing anyone sees.
        var e = Assert.Single(_bus.Events);
        Assert.Equal("presence", e.Type);
        Assert.Equal("viewer", e.TargetKey);
        Assert.Equal(Workspace, e.WorkspaceId);

        tracker.Leave(Workspace, PresencePages.Viewer, "tab1");
        Assert.Single(tracker.Who(Workspace, PresencePages.Viewer));
        tracker.Leave(Workspace, PresencePages.Viewer, "tab2");
        Assert.Empty(tracker.Who(Workspace, PresencePages.Viewer));
        Assert.Empty(Assert.IsAssignableFrom<IReadOnlyList<PresenceMember>>(_bus.Events[^1].Data));
    }

    [Fact]
    public void LeaveAll_ConnectionClosed_LeavesEveryPageItEntered()
    {
        var tracker = new PresenceTracker(_bus, _clock);
        var run = Guid.NewGuid();
        tracker.Enter(Workspace, PresencePages.Run(run), "hub-1", "b", "bob@lab.org");
        tracker.Enter(Workspace, PresencePages.Gallery(run), "hub-1", "b", "bob@lab.org");
        tracker.Enter(Workspace, PresencePages.Run(run), "circuit-a", "a", "alice@lab.org");

        tracker.LeaveAll("hub-1");

        Assert.Equal(["a"], tracker.Who(Workspace, PresencePages.Run(run)).Select(m => m.UserId));
        Assert.Empty(tracker.Who(Workspace, PresencePages.Gallery(run)));
        Assert.Equal(["presence"], _bus.Events.Select(e => e.Type).Distinct());
        Assert.Equal(5, _bus.Events.Count);
    }

    [Fact]
    public void Who_PagesAndWorkspaces_AreSeparate()
    {
        var tracker = new PresenceTracker(_bus, _clock);
        var other = Guid.NewGuid();
        var run = Guid.NewGuid();
        tracker.Enter(Workspace, PresencePages.Viewer, "c1", "a", "alice@lab.org");
        tracker.Enter(Workspace, PresencePages.Run(run), "c2", "b", "bob@lab.org");
        tracker.Enter(other, PresencePages.Viewer, "c3", "c", "carol@lab.org");

        Assert.Equal(["a"], tracker.Who(Workspace, PresencePages.Viewer).Select(m => m.UserId));
        Assert.Equal(["b"], tracker.Who(Workspace, PresencePages.Run(run)).Select(m => m.UserId));
        Assert.Empty(tracker.Who(Workspace, PresencePages.Gallery(run)));
        Assert.Equal(["c"], tracker.Who(other, PresencePages.Viewer).Select(m => m.UserId));
        Assert.All(_bus.Events.Where(e => e.WorkspaceId == other), e => Assert.Equal("viewer", e.TargetKey));
    }

    [Theory]
    [InlineData("viewer", true)]
    [InlineData("run:0123456789abcdef0123456789abcdef", true)]
    [InlineData("gallery:0123456789abcdef0123456789abcdef", true)]
    [InlineData("run:not-a-guid", false)]
    [InlineData("settings", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void PageKeys_OnlyKnownShapes(string? page, bool valid) => Assert.Equal(valid, PresencePages.IsValid(page));

    private static ViewerState State(double x) => new([x, -22, 56], "axial", "file:a:b", null, [new ViewerOverlayState("file:c:d", "hot", 2.5, 6, 1)]);

    [Fact]
    public void Relay_AloneOnTheViewer_PublishesNothing_KeepsLatestForFollowers()
    {
        var tracker = new PresenceTracker(_bus, _clock);
        var relay = new ViewerStateRelay(_bus, tracker, _clock);
        tracker.Enter(Workspace, PresencePages.Viewer, "c1", "a", "alice@lab.org");
        _bus.Events.Clear();

        relay.Update(Workspace, "a", "alice@lab.org", State(-38));

        Assert.Empty(_bus.Events);
        Assert.Equal(-38, relay.Latest(Workspace, "a")!.Mm![0]);
        Assert.Null(relay.Latest(Workspace, "b"));
    }

    [Fact]
    public void Relay_WithAnotherMemberThere_PublishesViewerState_SameStateOnce()
    {
        var tracker = new PresenceTracker(_bus, _clock);
        var relay = new ViewerStateRelay(_bus, tracker, _clock);
        tracker.Enter(Workspace, PresencePages.Viewer, "c1", "a", "alice@lab.org");
        tracker.Enter(Workspace, PresencePages.Viewer, "c2", "b", "bob@lab.org");
        _bus.Events.Clear();

        relay.Update(Workspace, "a", "alice@lab.org", State(-38));
        _clock.Now = _clock.Now.AddSeconds(1);
        relay.Update(Workspace, "a", "alice@lab.org", State(-38));

        var e = Assert.Single(_bus.Events);
        Assert.Equal("viewer.state", e.Type);
        Assert.Equal("viewer:a", e.TargetKey);
        Assert.Equal("alice@lab.org", e.Actor);
        Assert.Equal(-38, Assert.IsType<ViewerState>(e.Data).Mm![0]);
    }

    private static List<PresenceMember> ListOf(WorkspaceEvent e) => [.. Assert.IsAssignableFrom<IReadOnlyList<PresenceMember>>(e.Data)];

    [Fact]
    public void Shared_OwnChanges_TellOtherInstancesOnlyThisInstancesVisitors_LocalOnlyTrackerTellsNothing()
    {
        var local = new PresenceTracker(_bus, _clock);
        local.Enter(Workspace, PresencePages.Viewer, "c1", "a", "alice@lab.org");
        Assert.DoesNotContain(_bus.Events, e => e.Type == PresenceTracker.InstanceType);
        _bus.Events.Clear();

        var tracker = new PresenceTracker(_bus, _clock);
        tracker.ShareAs("web-a");
        tracker.ApplyRemote("web-b", Workspace, PresencePages.Viewer, [new PresenceMember("b", "bob@lab.org", _clock.Now.UtcDateTime.AddMinutes(-5))]);
        _bus.Events.Clear();
        tracker.Enter(Workspace, PresencePages.Viewer, "c1", "a", "alice@lab.org");
        tracker.Enter(Workspace, PresencePages.Viewer, "c2", "a", "alice@lab.org");

        // Pages here see both; the other instances hear only Alice (Bob is theirs to tell).
        Assert.Equal(["b", "a"], ListOf(_bus.Events.Single(e => e.Type == "presence")).Select(m => m.UserId));
        var told = Assert.Single(_bus.Events, e => e.Type == PresenceTracker.InstanceType);
        Assert.Equal("viewer", told.TargetKey);
        var said = Assert.IsType<InstancePresence>(told.Data);
        Assert.Equal("web-a", said.Instance);
        Assert.Equal(["a"], said.Members.Select(m => m.UserId));

        _bus.Events.Clear();
        tracker.Leave(Workspace, PresencePages.Viewer, "c1");
        tracker.Leave(Workspace, PresencePages.Viewer, "c2");
        Assert.Equal(["b"], ListOf(_bus.Events.Single(e => e.Type == "presence")).Select(m => m.UserId));
        Assert.Empty(Assert.IsType<InstancePresence>(_bus.Events.Single(e => e.Type == PresenceTracker.InstanceType).Data).Members);
    }

    [Fact]
    public void ApplyRemote_MergedWithOwn_OneUserOnTwoInstancesCountsOnceSinceTheEarlier_EmptyListWithdraws_OwnWordIgnored()
    {
        var tracker = new PresenceTracker(_bus, _clock);
        tracker.ShareAs("web-a");
        var start = _clock.Now.UtcDateTime;
        tracker.Enter(Workspace, PresencePages.Viewer, "c1", "a", "alice@lab.org");
        _bus.Events.Clear();

        tracker.ApplyRemote("web-b", Workspace, PresencePages.Viewer, [new("a", "alice@lab.org", start.AddMinutes(-2)), new("c", "carol@lab.org", start.AddMinutes(1))]);
        var who = tracker.Who(Workspace, PresencePages.Viewer);
        Assert.Equal(["a", "c"], who.Select(m => m.UserId));
        Assert.Equal(start.AddMinutes(-2), who[0].SinceUtc);
        Assert.Equal(who, ListOf(Assert.Single(_bus.Events)));

        // The same word again changes nothing anyone sees; this instance's own word coming back is not another's.
        _bus.Events.Clear();
        tracker.ApplyRemote("web-b", Workspace, PresencePages.Viewer, [new("a", "alice@lab.org", start.AddMinutes(-2)), new("c", "carol@lab.org", start.AddMinutes(1))]);
        tracker.ApplyRemote("web-a", Workspace, PresencePages.Viewer, []);
        tracker.ApplyRemote("web-b", Workspace, "not-a-page", [new("x", "x@lab.org", start)]);
        Assert.Empty(_bus.Events);

        tracker.ApplyRemote("web-b", Workspace, PresencePages.Viewer, []);
        Assert.Equal(["a"], tracker.Who(Workspace, PresencePages.Viewer).Select(m => m.UserId));
        Assert.Equal(start, tracker.Who(Workspace, PresencePages.Viewer)[0].SinceUtc);
        Assert.Equal(["a"], ListOf(Assert.Single(_bus.Events)).Select(m => m.UserId));
    }

    [Fact]
    public void ExpireRemote_SilentInstanceDropsOut_RepeatedWordKeepsItsVisitors()
    {
        var tracker = new PresenceTracker(_bus, _clock);
        tracker.ShareAs("web-a");
        var run = Guid.NewGuid();
        tracker.ApplyRemote("web-b", Workspace, PresencePages.Run(run), [new("b", "bob@lab.org", _clock.Now.UtcDateTime)]);
        tracker.ApplyRemote("web-c", Workspace, PresencePages.Run(run), [new("c", "carol@lab.org", _clock.Now.UtcDateTime)]);
        _clock.Now = _clock.Now.AddSeconds(20);
        tracker.ApplyRemote("web-c", Workspace, PresencePages.Run(run), [new("c", "carol@lab.org", _clock.Now.UtcDateTime.AddSeconds(-20))]);
        _clock.Now = _clock.Now.AddSeconds(15);
        _bus.Events.Clear();

        tracker.ExpireRemote(TimeSpan.FromSeconds(30));

        // web-b was last heard 35 s ago, web-c 15 s ago.
        Assert.Equal(["c"], tracker.Who(Workspace, PresencePages.Run(run)).Select(m => m.UserId));
        Assert.Equal(["c"], ListOf(Assert.Single(_bus.Events)).Select(m => m.UserId));
        _bus.Events.Clear();
        tracker.ExpireRemote(TimeSpan.FromSeconds(30));
        Assert.Empty(_bus.Events);
    }

    [Fact]
    public void RepeatOwnLists_HeartbeatTellsEveryOwnPage_WithdrawTellsEmptyListsThenNothing_UnsharedTellsNothing()
    {
        var tracker = new PresenceTracker(_bus, _clock);
        var run = Guid.NewGuid();
        tracker.Enter(Workspace, PresencePages.Viewer, "c1", "a", "alice@lab.org");
        tracker.Enter(Workspace, PresencePages.Run(run), "c2", "b", "bob@lab.org");
        tracker.RepeatOwnLists();
        Assert.DoesNotContain(_bus.Events, e => e.Type == PresenceTracker.InstanceType);

        tracker.ShareAs("web-a");
        _bus.Events.Clear();
        tracker.RepeatOwnLists();
        var told = _bus.Events.Select(e => (e.TargetKey, Said: Assert.IsType<InstancePresence>(e.Data))).OrderBy(t => t.TargetKey, StringComparer.Ordinal).ToList();
        Assert.Equal([PresencePages.Run(run), "viewer"], told.Select(t => t.TargetKey));
        Assert.Equal(["b"], told[0].Said.Members.Select(m => m.UserId));
        Assert.Equal(["a"], told[1].Said.Members.Select(m => m.UserId));

        _bus.Events.Clear();
        tracker.Withdraw();
        Assert.Equal(2, _bus.Events.Count);
        Assert.All(_bus.Events, e => Assert.Empty(Assert.IsType<InstancePresence>(e.Data).Members));
        // Stopped sharing: later changes and heartbeats reach this instance's pages only.
        Assert.Null(tracker.Instance);
        _bus.Events.Clear();
        tracker.Leave(Workspace, PresencePages.Viewer, "c1");
        tracker.RepeatOwnLists();
        Assert.Equal(["presence"], _bus.Events.Select(e => e.Type));
    }

    [Theory]
    [InlineData("00:00:00", "00:00:30")]
    [InlineData("00:00:10", "00:00:15")]
    public async Task Exchange_HeartbeatNotPositiveOrExpiryUnderTwoHeartbeats_RefusesToStartNamingTheSection(string heartbeat, string expiry)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new PresenceExchangeOptions { Heartbeat = TimeSpan.Parse(heartbeat, System.Globalization.CultureInfo.InvariantCulture), Expiry = TimeSpan.Parse(expiry, System.Globalization.CultureInfo.InvariantCulture) });
        // A relay that is never started (no connection): the exchange only reads its name.
        var relay = new RedisEventRelay(new RedisEventOptions("127.0.0.1:1"), new RunEventBus(), new WorkspaceEventBus(), new RedisEventCodec(new WorkspaceEventDataTypes()),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisEventRelay>.Instance);
        await using (relay)
        {
            await using var exchange = new PresenceExchange(new PresenceTracker(_bus, _clock), relay, _bus, options, _clock);
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => exchange.StartAsync(CancellationToken.None));
            Assert.Contains("NeuroLab:Events:Presence", e.Message, StringComparison.Ordinal);
            Assert.Empty(_bus.Events);
        }
    }

    /// <summary>A bus whose test hands events to the subscribers, as another instance's events arrive through the relay.</summary>
    private sealed class DeliveringBus : IWorkspaceEventBus
    {
        private readonly List<Func<WorkspaceEvent, Task>> _handlers = [];

        public void Publish(WorkspaceEvent e)
        {
        }

        public IDisposable Subscribe(Func<WorkspaceEvent, Task> handler)
        {
            _handlers.Add(handler);
            return new Unsubscribe(() => _handlers.Remove(handler));
        }

        public void Deliver(WorkspaceEvent e) => _handlers.ToList().ForEach(h => h(e).GetAwaiter().GetResult());

        private sealed class Unsubscribe(Action action) : IDisposable
        {
            public void Dispose() => action();
        }
    }

    [Fact]
    public void Relay_StateHeardOnTheBus_IsTheLatestForFollowers_ALeaderOnThisInstanceWins()
    {
        var bus = new DeliveringBus();
        var relay = new ViewerStateRelay(bus, new PresenceTracker(bus, _clock), _clock);
        WorkspaceEvent Heard(double x) => new() { WorkspaceId = Workspace, Type = ViewerStateRelay.EventType, TargetKey = ViewerStateRelay.TargetKey("b"), ActorUserId = "b", Actor = "bob@lab.org", Data = State(x) };

        // Bob leads on another instance: a follower here starts where he is.
        bus.Deliver(Heard(40));
        Assert.Equal(40, relay.Latest(Workspace, "b")!.Mm![0]);
        Assert.Null(relay.Latest(Guid.NewGuid(), "b"));

        // Bob's viewer on this instance: its own state wins over what is heard.
        relay.Update(Workspace, "b", "bob@lab.org", State(-38));
        bus.Deliver(Heard(12));
        Assert.Equal(-38, relay.Latest(Workspace, "b")!.Mm![0]);

        // Disposed: nothing more is heard.
        relay.Dispose();
        bus.Deliver(Heard(7) with { ActorUserId = "c" });
        Assert.Null(relay.Latest(Workspace, "c"));
    }
}
