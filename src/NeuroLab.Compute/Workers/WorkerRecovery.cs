using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NeuroLab.Compute.Runs;

namespace NeuroLab.Compute.Workers;

/// <summary>
/// In a compute worker, the lease-expiry recovery the in-process queue does: on start-up and every lease period,
/// runs left "running" whose lease expired (their worker died) are marked interrupted and queued again, and a
/// Hangfire job is enqueued for each, so another worker resumes it from its checkpoint.
/// </summary>
public sealed class WorkerRecovery(RunExecutor executor, IRunDispatcher dispatcher, ComputeOptions options, TimeProvider clock, ILogger<WorkerRecovery> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = options.LeaseDuration / 2;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var run in await executor.RecoverInterruptedAsync(stoppingToken))
                {
                    dispatcher.Dispatch(run);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException or Microsoft.EntityFrameworkCore.DbUpdateException)
            {
                // The database is briefly unreachable (a restart): try again next period.
                logger.LogWarning(e, "Could not recover interrupted runs; trying again in {Period}.", every);
            }
            try
            {
                await Task.Delay(every, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
