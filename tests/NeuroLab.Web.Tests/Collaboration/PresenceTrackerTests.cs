using NeuroLab.Compute.Events;
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

        public IDisposable Subscribe(Func<WorkspaceEvent, Task> handler) => throw new NotSupportedException();
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
}
