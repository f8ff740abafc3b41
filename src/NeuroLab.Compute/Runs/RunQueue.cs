using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Data;
using NeuroLab.Data.Storage;

namespace NeuroLab.Compute.Runs;

/// <summary>
/// The durable in-process run queue (<see cref="ComputeOptions.Mode"/> = inprocess): claims queued runs from the
/// database and executes them through a <see cref="RunExecutor"/> (claim with a lease, so several hosts can share one
/// database without running one run twice; lease renewal and cancel polling; lease-conditioned writes), up to
/// <see cref="ComputeOptions.MaxConcurrentRuns"/> at once. On start-up, and every lease period after, runs left
/// "running" whose lease expired (their host stopped) are marked interrupted and queued again; jobs resume from their
/// last checkpoint. In workers mode it stays idle: compute workers execute runs (<see cref="Workers.RunJob"/>).
/// </summary>
public sealed class RunQueue(
    IDbContextFactory<NeuroLabDbContext> dbFactory, RunKindRegistry kinds, IRunSignals signals, IRunEventBus bus,
    ContentStore store, ComputeOptions options, TimeProvider clock, ILogger<RunQueue> logger) : BackgroundService
{
    private readonly RunExecutor _executor = new(dbFactory, kinds, signals, bus, store, options, clock, logger);

    /// <summary>The name this host writes on the runs it claims (<see cref="NeuroLab.Data.Runs.Run.LeaseOwner"/>).</summary>
    public string HostId => _executor.HostId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.RunQueueEnabled)
        {
            logger.LogInformation("The run queue is disabled on this host ({Section}:RunQueueEnabled = false); another host executes runs.", ComputeOptions.SectionName);
            return;
        }
        if (options.UsesWorkers())
        {
            logger.LogInformation("Compute mode is workers ({Section}:Mode): compute workers execute runs; this host only queues them.", ComputeOptions.SectionName);
            return;
        }
        var running = new List<Task>();
        var recoveredAt = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (clock.GetUtcNow() - recoveredAt >= options.LeaseDuration)
                {
                    recoveredAt = clock.GetUtcNow();
                    await _executor.RecoverInterruptedAsync(stoppingToken);
                }
                running.RemoveAll(t => t.IsCompleted);
                while (running.Count < Math.Max(1, options.MaxConcurrentRuns) && await _executor.ClaimNextAsync(stoppingToken) is { } run)
                {
                    // A dedicated thread: numerics must not occupy the thread pool the web requests use.
                    running.Add(Task.Factory.StartNew(() => _executor.ExecuteAsync(run, stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap());
                }
                await signals.WaitForWorkAsync(options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
        await Task.WhenAll(running);
    }

    /// <summary>Marks runs whose lease expired interrupted and queues them again (see <see cref="RunExecutor.RecoverInterruptedAsync"/>).</summary>
    internal Task RecoverInterruptedAsync(CancellationToken ct) => _executor.RecoverInterruptedAsync(ct);
}

/// <summary>Forwards run events from the bus to subscribers (SignalR, pages) for the host's lifetime.</summary>
public sealed class RunEventDispatcher(RunEventBus bus) : BackgroundService
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
