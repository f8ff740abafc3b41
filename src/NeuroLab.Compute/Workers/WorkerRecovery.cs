using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NeuroLab.Compute.Runs;
using NeuroLab.Data;
using NeuroLab.Data.Runs;

namespace NeuroLab.Compute.Workers;

/// <summary>
/// In a compute worker, the lease-expiry recovery the in-process queue does: on start-up and every lease period,
/// runs left "running" whose lease expired (their worker died) are marked interrupted and queued again, and a
/// Hangfire job is enqueued for each, so another worker resumes it from its checkpoint. It also finds queued runs that
/// have no job at all (the web instance committed the run but its enqueue failed, e.g. the database went away in
/// between) and enqueues one: a duplicate job does nothing, a missing one would leave the run queued for ever.
/// </summary>
public sealed class WorkerRecovery(
    RunExecutor executor, IRunDispatcher dispatcher, IDbContextFactory<NeuroLabDbContext> dbFactory, JobStorage jobs, ComputeOptions options, TimeProvider clock,
    ILogger<WorkerRecovery> logger) : BackgroundService
{
    /// <summary>Most jobs read from each Hangfire list per sweep (enqueued per queue, processing, scheduled retries).</summary>
    private const int MaxJobsListed = 10_000;

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
                await DispatchOrphansAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException or DbUpdateException)
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

    /// <summary>
    /// Enqueues a job for every run queued longer than a lease period that no Hangfire job (enqueued, processing or
    /// scheduled for a retry) names. The lists are read after the runs, so a job fetched in between is seen as
    /// processing, or at worst dispatched twice (harmless).
    /// </summary>
    internal async Task<int> DispatchOrphansAsync(CancellationToken ct)
    {
        var before = clock.GetUtcNow().UtcDateTime - options.LeaseDuration;
        List<Run> queued;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            queued = await db.Runs.AsNoTracking().Where(r => r.Status == RunStatus.Queued && r.CreatedAtUtc < before).ToListAsync(ct);
        }
        if (queued.Count == 0)
        {
            return 0;
        }
        var monitoring = jobs.GetMonitoringApi();
        var named = new HashSet<Guid>();
        void Add(Hangfire.Common.Job? job)
        {
            if (job?.Type == typeof(RunJob) && job.Args.Count > 0 && job.Args[0] is Guid id)
            {
                named.Add(id);
            }
        }
        foreach (var queue in new[] { RunDispatch.CpuQueue, RunDispatch.GpuQueue })
        {
            foreach (var job in monitoring.EnqueuedJobs(queue, 0, MaxJobsListed))
            {
                Add(job.Value?.Job);
            }
            foreach (var job in monitoring.FetchedJobs(queue, 0, MaxJobsListed))
            {
                Add(job.Value?.Job);
            }
        }
        foreach (var job in monitoring.ProcessingJobs(0, MaxJobsListed))
        {
            Add(job.Value?.Job);
        }
        foreach (var job in monitoring.ScheduledJobs(0, MaxJobsListed))
        {
            Add(job.Value?.Job);
        }
        int dispatched = 0;
        foreach (var run in queued.Where(r => !named.Contains(r.Id)))
        {
            logger.LogWarning("Run {RunId} was queued at {Queued:o} but no job names it (its enqueue failed); enqueuing one.", run.Id, run.CreatedAtUtc);
            dispatcher.Dispatch(run);
            dispatched++;
        }
        return dispatched;
    }
}
