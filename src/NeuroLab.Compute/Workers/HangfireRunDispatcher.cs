using Hangfire;
using NeuroLab.Data.Runs;

namespace NeuroLab.Compute.Workers;

/// <summary>
/// Workers mode: enqueues one Hangfire job per queued run, on queue <c>gpu</c> when the run asks for a GPU and
/// <c>cpu</c> otherwise (<see cref="RunDispatch.QueueFor"/>). The job only names the run; the worker that picks it up
/// claims the run's lease, so a duplicate job does nothing.
/// </summary>
public sealed class HangfireRunDispatcher(IBackgroundJobClient jobs) : IRunDispatcher
{
    public void Dispatch(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var id = run.Id;
        _ = RunDispatch.QueueFor(run) == RunDispatch.GpuQueue
            ? jobs.Enqueue<RunJob>(j => j.ExecuteGpuAsync(id, CancellationToken.None))
            : jobs.Enqueue<RunJob>(j => j.ExecuteCpuAsync(id, CancellationToken.None));
    }
}
