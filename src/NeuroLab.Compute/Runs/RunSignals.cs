using System.Collections.Concurrent;

namespace NeuroLab.Compute.Runs;

/// <summary>
/// Fast paths between the services that queue or cancel runs and the queue that executes them. Both facts are in the
/// database first (a queued row, <see cref="NeuroLab.Data.Runs.Run.CancelRequested"/>), and the queue polls for them;
/// a signal only makes a host that hears it act at once instead of at its next poll.
/// </summary>
public interface IRunSignals
{
    /// <summary>A run was queued.</summary>
    void RunQueued();

    /// <summary>Waits until a run is queued or <paramref name="timeout"/> passes.</summary>
    Task WaitForWorkAsync(TimeSpan timeout, CancellationToken ct);

    /// <summary>A cancel of <paramref name="runId"/> was recorded.</summary>
    void CancelRequested(Guid runId);

    /// <summary>Cancels <paramref name="cancellation"/> when a cancel of <paramref name="runId"/> is signalled, until disposed.</summary>
    IDisposable WatchCancel(Guid runId, CancellationTokenSource cancellation);
}

/// <summary>Signals within one process (the default; the web app and its compute host share it).</summary>
public sealed class RunSignals : IRunSignals
{
    private readonly SemaphoreSlim _queued = new(0);
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();

    public void RunQueued() => _queued.Release();

    public Task WaitForWorkAsync(TimeSpan timeout, CancellationToken ct) => _queued.WaitAsync(timeout, ct);

    public void CancelRequested(Guid runId)
    {
        if (_running.TryGetValue(runId, out var cts))
        {
            cts.Cancel();
        }
    }

    public IDisposable WatchCancel(Guid runId, CancellationTokenSource cancellation)
    {
        _running[runId] = cancellation;
        return new Registration(this, runId, cancellation);
    }

    private sealed class Registration(RunSignals signals, Guid runId, CancellationTokenSource cancellation) : IDisposable
    {
        public void Dispose() => signals._running.TryRemove(new KeyValuePair<Guid, CancellationTokenSource>(runId, cancellation));
    }
}
