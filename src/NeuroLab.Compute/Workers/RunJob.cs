using Hangfire;
using Microsoft.Extensions.Logging;
using NeuroLab.Compute.Runs;

namespace NeuroLab.Compute.Workers;

/// <summary>
/// The Hangfire job a compute worker executes for one run: claims the run (queued, or running with an expired lease)
/// through the same <see cref="RunExecutor"/> the in-process queue uses, executes it with its lease, and records the
/// outcome. A job that finds the run finished, cancelled or held by a live lease returns without doing anything, so
/// a duplicate job (a retry, a re-delivery after a false timeout, a re-dispatch by recovery) is harmless. The queue
/// is fixed per method (<see cref="QueueAttribute"/>), so Hangfire's retries stay on it. Retries are few: the run's
/// lease and the workers' recovery, not Hangfire, decide who executes and when a run is taken over.
/// </summary>
[AutomaticRetry(Attempts = RetryAttempts)]
public sealed class RunJob(RunExecutor executor, ILogger<RunJob> logger)
{
    /// <summary>How many times Hangfire retries a job that threw (e.g. the database was briefly unreachable).</summary>
    public const int RetryAttempts = 2;

    /// <summary>A run that needs no GPU.</summary>
    [Queue(RunDispatch.CpuQueue)]
    public Task ExecuteCpuAsync(Guid runId, CancellationToken cancellationToken) => ExecuteAsync(runId, cancellationToken);

    /// <summary>A run that asks for a GPU (only GPU workers take this queue).</summary>
    [Queue(RunDispatch.GpuQueue)]
    public Task ExecuteGpuAsync(Guid runId, CancellationToken cancellationToken) => ExecuteAsync(runId, cancellationToken);

    private async Task ExecuteAsync(Guid runId, CancellationToken cancellationToken)
    {
        // Hangfire's token fires when this worker stops (SIGTERM): the executor then lets the lease go.
        if (await executor.ClaimAsync(runId, cancellationToken) is not { } run)
        {
            logger.LogInformation("Run {RunId}: finished, cancelled or held by another host; this job ({Host}) has nothing to do.", runId, executor.HostId);
            return;
        }
        logger.LogInformation("Run {RunId}: executing on {Host} (attempt {Attempt}).", runId, executor.HostId, run.Attempt);
        await executor.ExecuteAsync(run, cancellationToken);
        // Stopping: Hangfire re-queues an aborted job; the run's lease was let go, so the next worker resumes it.
        cancellationToken.ThrowIfCancellationRequested();
    }
}
