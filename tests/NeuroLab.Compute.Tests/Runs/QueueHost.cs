using Microsoft.Extensions.Logging.Abstractions;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Compute.Runs;
using NeuroLab.Compute.Tests.Datasets;

namespace NeuroLab.Compute.Tests.Runs;

/// <summary>
/// One compute host over a shared test database: a run queue with its own event bus, signals and host id, as a
/// separate process would have (signals from other hosts never reach it; it learns from the database).
/// </summary>
internal sealed class QueueHost : IAsyncDisposable
{
    private readonly RunEventDispatcher _dispatcher;
    private bool _started;

    public QueueHost(ImportFixture f, RunKindRegistry kinds, ComputeOptions options, TimeProvider? clock = null)
    {
        Queue = new RunQueue(f.Database.Factory, kinds, Signals, Bus, f.Store, options, clock ?? TimeProvider.System, NullLogger<RunQueue>.Instance);
        _dispatcher = new RunEventDispatcher(Bus);
        Bus.Subscribe(e =>
        {
            lock (Events)
            {
                Events.Add(e);
            }
            return Task.CompletedTask;
        });
    }

    public RunEventBus Bus { get; } = new();

    public RunSignals Signals { get; } = new();

    public RunQueue Queue { get; }

    public List<RunEvent> Events { get; } = [];

    public async Task StartAsync()
    {
        await _dispatcher.StartAsync(CancellationToken.None);
        await Queue.StartAsync(CancellationToken.None);
        _started = true;
    }

    public async Task StopAsync()
    {
        if (!_started)
        {
            return;
        }
        _started = false;
        await Queue.StopAsync(CancellationToken.None);
        await _dispatcher.StopAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Queue.Dispose();
        _dispatcher.Dispose();
    }
}

/// <summary>A clock stopped at one instant whose timers never fire: a host on it never renews its leases.</summary>
internal sealed class FrozenClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NeverTimer();

    private sealed class NeverTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
