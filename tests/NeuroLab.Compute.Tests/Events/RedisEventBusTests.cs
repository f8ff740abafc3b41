using System.Diagnostics;
using NeuroLab.Compute.Events;
using NeuroLab.Compute.Runs;

namespace NeuroLab.Compute.Tests.Events;

/// <summary>The Redis event buses with a real server (NEUROLAB_TEST_REDIS): two processes' buses hear each other once; Redis going away never stalls a publisher.</summary>
[Collection(RedisEventTests.Name)]
public sealed class RedisEventBusTests
{
    private sealed class Recorder<T> : IDisposable
    {
        private readonly List<T> _seen = [];
        private readonly IDisposable _subscription;

        public Recorder(Func<Func<T, Task>, IDisposable> subscribe) => _subscription = subscribe(e =>
        {
            lock (_seen)
            {
                _seen.Add(e);
            }
            return Task.CompletedTask;
        });

        public List<T> Seen
        {
            get
            {
                lock (_seen)
                {
                    return [.. _seen];
                }
            }
        }

        public void Dispose() => _subscription.Dispose();
    }

    private static RunEvent Progress(Guid run, long step, string stage = "fitting units") =>
        new() { RunId = run, WorkspaceId = Guid.Empty, Type = "progress", Stage = stage, Step = step, Total = 50 };

    [RedisFact]
    public async Task TwoProcesses_EachPublishes_EachSeesEveryEventOnceInOrder_PresenceStaysLocal()
    {
        var redis = EventProcess.Isolated(TestServers.Redis!);
        await using var a = await EventProcess.StartAsync(redis);
        await using var b = await EventProcess.StartAsync(redis);
        Assert.NotEqual(a.Relay.Origin, b.Relay.Origin);
        using var seenByA = new Recorder<RunEvent>(a.Runs.Subscribe);
        using var seenByB = new Recorder<RunEvent>(b.Runs.Subscribe);
        using var workspaceSeenByB = new Recorder<WorkspaceEvent>(b.Workspaces.Subscribe);
        var (runOfA, runOfB) = (Guid.NewGuid(), Guid.NewGuid());

        for (var i = 0; i < 50; i++)
        {
            a.Runs.Publish(Progress(runOfA, i));
            b.Runs.Publish(Progress(runOfB, i));
        }
        // Presence is per instance: never relayed (it would arrive before the member removal that follows it).
        a.Workspaces.Publish(new WorkspaceEvent { WorkspaceId = Guid.NewGuid(), Type = "presence", TargetKey = "page" });
        a.Workspaces.Publish(new WorkspaceEvent { WorkspaceId = Guid.NewGuid(), Type = WorkspaceEventTypes.MemberRemoved, Data = "user-9" });
        // A last event from each side: one publisher's messages arrive in order, so once it is in, everything before it is.
        a.Runs.Publish(Progress(runOfA, 0, "done"));
        b.Runs.Publish(Progress(runOfB, 0, "done"));
        foreach (var seen in new[] { seenByA, seenByB })
        {
            await Eventually.TrueAsync(() => seen.Seen.Count(e => e.Stage == "done") == 2, TimeSpan.FromSeconds(30), "both last events");
        }

        foreach (var seen in new[] { seenByA.Seen, seenByB.Seen })
        {
            Assert.Equal(102, seen.Count);
            foreach (var run in new[] { runOfA, runOfB })
            {
                Assert.Equal([.. Enumerable.Range(0, 50).Select(i => (long)i), 0L], seen.Where(e => e.RunId == run).Select(e => e.Step!.Value));
            }
        }
        await Eventually.TrueAsync(() => workspaceSeenByB.Seen.Any(e => e.Type == WorkspaceEventTypes.MemberRemoved), TimeSpan.FromSeconds(30), "the member removal on B");
        Assert.Equal("user-9", Assert.Single(workspaceSeenByB.Seen).Data);
    }

    [RedisFact]
    public async Task RedisDownForTenSeconds_PublishNeverBlocksOrThrows_ResyncThenEventsFlowAgain()
    {
        using var server = new OwnRedisServer();
        await server.StartAsync();
        await using var a = await EventProcess.StartAsync(server.Address);
        await using var b = await EventProcess.StartAsync(server.Address);
        using var runsOfB = new Recorder<RunEvent>(b.Runs.Subscribe);
        using var workspacesOfB = new Recorder<WorkspaceEvent>(b.Workspaces.Subscribe);
        using var runsOfA = new Recorder<RunEvent>(a.Runs.Subscribe);
        var run = Guid.NewGuid();
        a.Runs.Publish(Progress(run, 0));
        await Eventually.TrueAsync(() => runsOfB.Seen.Any(e => e.RunId == run), TimeSpan.FromSeconds(30), "an event before the outage");

        server.Kill();
        await Eventually.TrueAsync(() => !a.Relay.IsConnected && !b.Relay.IsConnected, TimeSpan.FromSeconds(30), "both processes to notice Redis is gone");
        // The outage: publishing goes on as a running job would, paced, for ten seconds.
        var outage = Stopwatch.StartNew();
        var slowest = TimeSpan.Zero;
        var published = 0;
        while (outage.Elapsed < TimeSpan.FromSeconds(10))
        {
            var call = Stopwatch.StartNew();
            a.Runs.Publish(Progress(run, ++published));
            a.Workspaces.Publish(new WorkspaceEvent { WorkspaceId = Guid.Empty, Type = "activity" });
            slowest = call.Elapsed > slowest ? call.Elapsed : slowest;
            await Task.Delay(20);
        }
        // Publishing only queues; a generous bound that still catches a publisher waiting on a connect timeout (5 s).
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"The slowest publish took {slowest.TotalMilliseconds:0} ms.");
        // Local subscribers never depended on Redis.
        await Eventually.TrueAsync(() => runsOfA.Seen.Count(e => e.RunId == run) == published + 1, TimeSpan.FromSeconds(30), "A's own events delivered locally");

        await server.StartAsync();
        await Eventually.TrueAsync(() => runsOfB.Seen.Any(e => e.Type == RunEventTypes.Resync) && workspacesOfB.Seen.Any(e => e.Type == WorkspaceEventTypes.Resync),
            TimeSpan.FromSeconds(90), "B told to resynchronise");
        await Eventually.TrueAsync(() => runsOfA.Seen.Any(e => e.Type == RunEventTypes.Resync), TimeSpan.FromSeconds(90), "A told to resynchronise");
        var resync = runsOfB.Seen.First(e => e.Type == RunEventTypes.Resync);
        Assert.Equal((Guid.Empty, Guid.Empty), (resync.RunId, resync.WorkspaceId));

        a.Runs.Publish(Progress(run, 1_000, "after"));
        await Eventually.TrueAsync(() => runsOfB.Seen.Any(e => e.Stage == "after"), TimeSpan.FromSeconds(30), "an event after the outage on B");
    }

    [RedisFact]
    public async Task RedisDownAtStart_ProcessStartsAnyway_EventsFlowOnceItIsUp()
    {
        using var server = new OwnRedisServer();
        await using var a = await EventProcess.StartAsync(server.Address);
        await using var b = await EventProcess.StartAsync(server.Address);
        using var runsOfB = new Recorder<RunEvent>(b.Runs.Subscribe);
        a.Runs.Publish(Progress(Guid.NewGuid(), 0, "while down"));

        await server.StartAsync();
        await Eventually.TrueAsync(() => runsOfB.Seen.Any(e => e.Type == RunEventTypes.Resync), TimeSpan.FromSeconds(90), "B told to resynchronise");
        var run = Guid.NewGuid();
        // A's subscription may come back a moment after B's: publish until B hears one (each is a distinct step).
        var sent = 0;
        await Eventually.TrueAsync(() =>
        {
            a.Runs.Publish(Progress(run, sent++));
            return runsOfB.Seen.Any(e => e.RunId == run);
        }, TimeSpan.FromSeconds(90), "an event from A on B");
    }
}

/// <summary>Redis event tests run one at a time: one of them stops its own Redis server, and all of them count events.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RedisEventTests
{
    public const string Name = "Redis events";
}
