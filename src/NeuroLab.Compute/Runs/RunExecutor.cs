using System.Diagnostics;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Data;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;

namespace NeuroLab.Compute.Runs;

/// <summary>
/// Executes runs for one host: claims a run (an atomic status update that also takes a lease for this host, so
/// several hosts sharing one database never run one run twice), executes it on a dedicated thread with
/// cancellation, renews the lease and polls the row for a cancel requested through another process while it runs,
/// and records status, timings, log, progress and artifacts, every write conditioned on the lease. It also marks
/// runs whose lease expired (their host stopped) interrupted and queues them again. Both the in-process
/// <see cref="RunQueue"/> and the Hangfire job of compute workers (<see cref="Workers.RunJob"/>) execute runs
/// through it.
/// </summary>
public sealed partial class RunExecutor(
    IDbContextFactory<NeuroLabDbContext> dbFactory, RunKindRegistry kinds, IRunSignals signals, IRunEventBus bus,
    ContentStore store, ComputeOptions options, TimeProvider clock, ILogger logger)
{
    private static readonly string _codeVersion =
        typeof(RunExecutor).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The name this host writes on the runs it claims (<see cref="Run.LeaseOwner"/>).</summary>
    public string HostId { get; } = options.HostId is { Length: > 0 } id ? id : RunLease.NewHostId();

    private IDbContextFactory<NeuroLabDbContext> DbFactory => dbFactory;

    private IRunEventBus Bus => bus;

    private ContentStore Store => store;

    private ComputeOptions Options => options;

    private TimeProvider Clock => clock;

    /// <summary>
    /// Marks runs left running whose lease expired as interrupted and queues them again (or cancels them when a
    /// cancel was requested), all of them or only <paramref name="runId"/>. A run whose host still renews its lease
    /// is left alone. Returns the runs queued again, for a dispatcher to hand to a worker.
    /// </summary>
    public async Task<IReadOnlyList<Run>> RecoverInterruptedAsync(CancellationToken ct, Guid? runId = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var running = db.Runs.Where(r => r.Status == RunStatus.Running && (r.LeaseExpiresAtUtc == null || r.LeaseExpiresAtUtc < now));
        if (runId is { } only)
        {
            running = running.Where(r => r.Id == only);
        }
        var stale = await running.AsNoTracking().ToListAsync(ct);
        List<Run> requeued = [];
        int recovered = 0;
        foreach (var run in stale)
        {
            var status = run.CancelRequested ? RunStatus.Cancelled : RunStatus.Queued;
            DateTime? finished = run.CancelRequested ? now : null;
            // Conditioned on the attempt and the expiry seen: only one host takes a run over, and not one renewed meanwhile.
            int taken = await db.Runs
                .Where(r => r.Id == run.Id && r.Status == RunStatus.Running && r.Attempt == run.Attempt && (r.LeaseExpiresAtUtc == null || r.LeaseExpiresAtUtc < now))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status).SetProperty(r => r.FinishedAtUtc, finished)
                    .SetProperty(r => r.LeaseOwner, (string?)null).SetProperty(r => r.LeaseExpiresAtUtc, (DateTime?)null), ct);
            if (taken == 0)
            {
                continue;
            }
            recovered++;
            if (status == RunStatus.Queued)
            {
                requeued.Add(run);
            }
            db.RunLog.Add(new RunLogEntry { RunId = run.Id, Level = "warning", Message = "The server stopped during this run; it was marked interrupted and queued again.", AtUtc = now });
            bus.Publish(StatusEvent(run, "interrupted", "The server restarted during this run; it is queued again."));
        }
        await db.SaveChangesAsync(ct);
        if (recovered > 0)
        {
            logger.LogWarning("Re-queued {Count} runs whose host stopped (lease expired).", recovered);
            signals.RunQueued();
        }
        return requeued;
    }

    /// <summary>Claims the oldest queued run this host can take, or null when none is queued.</summary>
    public async Task<Run?> ClaimNextAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var candidates = await db.Runs.Where(r => r.Status == RunStatus.Queued).OrderBy(r => r.CreatedAtUtc).Select(r => r.Id).Take(5).ToListAsync(ct);
        foreach (var id in candidates)
        {
            if (await TryClaimAsync(db, id, ct) is { } run)
            {
                return run;
            }
        }
        return null;
    }

    /// <summary>
    /// Claims <paramref name="runId"/> for this host: a queued run, or a running one whose lease expired (its host
    /// died; it is marked interrupted first, as recovery does). Null when the run is finished, cancelled, held by a
    /// live lease, or another host claimed it first: the caller then does nothing.
    /// </summary>
    public async Task<Run?> ClaimAsync(Guid runId, CancellationToken ct)
    {
        await RecoverInterruptedAsync(ct, runId);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await TryClaimAsync(db, runId, ct);
    }

    private async Task<Run?> TryClaimAsync(NeuroLabDbContext db, Guid id, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var expires = now + options.LeaseDuration;
        // Only the claimant whose update changes the row runs it; the same update takes the lease.
        int claimed = await db.Runs.Where(r => r.Id == id && r.Status == RunStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.StartedAtUtc, now).SetProperty(r => r.Attempt, r => r.Attempt + 1)
                .SetProperty(r => r.CodeVersion, _codeVersion).SetProperty(r => r.LeaseOwner, HostId).SetProperty(r => r.LeaseExpiresAtUtc, expires), ct);
        if (claimed != 1)
        {
            return null;
        }
        var run = await db.Runs.AsNoTracking().SingleAsync(r => r.Id == id, ct);
        await AuditAsync(db, run, "run.started", now, run.Attempt > 1 ? $"attempt {run.Attempt}" : null, ct);
        return run;
    }

    /// <summary>
    /// Executes a run this host claimed, to its end: records the outcome under the lease, or, when
    /// <paramref name="stoppingToken"/> fires first (the host is stopping), lets the lease go so another host resumes
    /// the run at once. Returns true when the run reached an outcome this host recorded.
    /// </summary>
    public async Task<bool> ExecuteAsync(Run run, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return await ExecuteRunAsync(run, stoppingToken);
    }

    private async Task<bool> ExecuteRunAsync(Run run, CancellationToken stoppingToken)
    {
        var lease = new RunLease(run.Id, HostId, run.Attempt);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var watchStop = new CancellationTokenSource();
        var watcher = WatchLeaseAsync(lease, cts, watchStop.Token);
        var context = new DbRunContext(this, run, lease, cts.Token);
        var sw = Stopwatch.StartNew();
        bus.Publish(StatusEvent(run, "running", run.Attempt > 1 ? $"Attempt {run.Attempt}." : null));
        RunStatus final;
        string? error = null;
        try
        {
            using (signals.WatchCancel(run.Id, cts))
            {
                (final, error) = await ExecuteJobAsync(run, context, lease, sw, stoppingToken);
            }
        }
        finally
        {
            await watchStop.CancelAsync();
            await watcher;
        }
        if (lease.Lost)
        {
            logger.LogWarning("Run {RunId}: this host ({Host}) lost its lease; attempt {Attempt}'s outcome is discarded.", run.Id, HostId, run.Attempt);
            return false;
        }
        if (stoppingToken.IsCancellationRequested && final == RunStatus.Running)
        {
            // The host is stopping: leave the run "running" but let its lease go, so the next host to start (this
            // one restarted, or another) marks it interrupted and resumes it without waiting for the lease to expire.
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            var now = clock.GetUtcNow().UtcDateTime;
            await lease.Held(db.Runs).ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseExpiresAtUtc, now), CancellationToken.None);
            return false;
        }
        int written;
        await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None))
        {
            var finishedAt = clock.GetUtcNow().UtcDateTime;
            written = await lease.Held(db.Runs).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, final)
                .SetProperty(r => r.Error, error)
                .SetProperty(r => r.FinishedAtUtc, finishedAt)
                .SetProperty(r => r.ProgressJson, context.LastProgressJson)
                .SetProperty(r => r.LeaseExpiresAtUtc, (DateTime?)null), CancellationToken.None);
            if (written == 1 && final is RunStatus.Succeeded or RunStatus.Failed)
            {
                // A cancel is recorded when it is requested (run.cancelled, RunService); the feed needs only the outcome here.
                await AuditAsync(db, run, final == RunStatus.Succeeded ? "run.succeeded" : "run.failed", finishedAt,
                    final == RunStatus.Succeeded ? $"in {sw.Elapsed.TotalSeconds:0.0} s" : error, CancellationToken.None);
            }
        }
        if (written == 0)
        {
            logger.LogWarning("Run {RunId}: this host ({Host}) lost its lease before recording the outcome; it is discarded.", run.Id, HostId);
            return false;
        }
        bus.Publish(StatusEvent(run, final.ToString().ToLowerInvariant(), error));
        return true;
    }

    /// <summary>Runs the job and says how it ended; <see cref="RunStatus.Running"/> when the host is stopping.</summary>
    private async Task<(RunStatus Final, string? Error)> ExecuteJobAsync(Run run, DbRunContext context, RunLease lease, Stopwatch sw, CancellationToken stoppingToken)
    {
        try
        {
            if (await IsCancelRequestedAsync(run.Id))
            {
                throw new OperationCanceledException();
            }
            var job = kinds.TryGet(run.Kind, out var kind) ? kind : throw new InvalidOperationException($"No job handles run kind '{run.Kind}' in this version of NeuroLab.");
            await context.LogAsync($"Started {run.Kind} (attempt {run.Attempt}, seed {run.Seed}, code {_codeVersion}, dataset checksum {run.DatasetChecksum[..12]}).");
            // On one dedicated thread: TorchSharp's dispose scopes must not hop threads across awaits (see JobThread).
            await JobThread.RunAsync($"run {run.Id}", () => job.ExecuteAsync(context));
            context.Flush();
            await context.LogAsync($"Finished in {sw.Elapsed.TotalSeconds:0.0} s.");
            return (RunStatus.Succeeded, null);
        }
        catch (Exception) when (lease.Lost)
        {
            // Another host owns the run now: whatever happened here is not recorded.
            return (RunStatus.Running, null);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return (RunStatus.Running, null);
        }
        catch (OperationCanceledException)
        {
            return await RecordAsync(RunStatus.Cancelled, null, () => context.LogAsync("Cancelled.", "warning"));
        }
        catch (Exception e)
        {
            var error = e is RunValidationException or FormatReadException or ArgumentException or InvalidOperationException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            logger.LogError(e, "Run {RunId} ({Kind}) failed.", run.Id, run.Kind);
            return await RecordAsync(RunStatus.Failed, error, () => context.LogAsync(error, "error"));
        }
    }

    private static async Task<(RunStatus, string?)> RecordAsync(RunStatus status, string? error, Func<Task> log)
    {
        try
        {
            await log();
        }
        catch (RunLeaseLostException)
        {
            // The final status write is refused as well; the caller sees the lease as lost.
        }
        return (status, error);
    }

    /// <summary>
    /// While the run executes: every <see cref="ComputeOptions.PollInterval"/> (at most a third of the lease) checks
    /// that the row is still this attempt's and whether a cancel was recorded; every third of
    /// <see cref="ComputeOptions.LeaseDuration"/> renews the lease. A lost lease or a recorded cancel cancels the job.
    /// </summary>
    private async Task WatchLeaseAsync(RunLease lease, CancellationTokenSource job, CancellationToken stop)
    {
        var renewEvery = options.LeaseDuration / 3;
        var tick = options.PollInterval < renewEvery ? options.PollInterval : renewEvery;
        var renewedAt = clock.GetUtcNow();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(tick, clock, stop);
                await using var db = await dbFactory.CreateDbContextAsync(stop);
                var now = clock.GetUtcNow();
                if (now - renewedAt >= renewEvery)
                {
                    var expires = (now + options.LeaseDuration).UtcDateTime;
                    if (await lease.Held(db.Runs).ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseExpiresAtUtc, expires), stop) == 0)
                    {
                        LoseLease(lease, job);
                        return;
                    }
                    renewedAt = now;
                }
                bool? cancel = await lease.Held(db.Runs).Select(r => (bool?)r.CancelRequested).SingleOrDefaultAsync(stop);
                if (cancel is null)
                {
                    LoseLease(lease, job);
                    return;
                }
                if (cancel.Value && !job.IsCancellationRequested)
                {
                    logger.LogInformation("Run {RunId}: cancel recorded in the database; stopping it.", lease.RunId);
                    await job.CancelAsync();
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
            {
                // A busy or briefly unreachable database: try again at the next tick (the lease has slack for that).
                logger.LogWarning(e, "Run {RunId}: could not check or renew the lease.", lease.RunId);
            }
        }
    }

    private void LoseLease(RunLease lease, CancellationTokenSource job)
    {
        _ = lease.MarkLost();
        logger.LogWarning("Run {RunId}: host {Host} no longer holds it (attempt {Attempt}); stopping its job.", lease.RunId, lease.Owner, lease.Attempt);
        job.Cancel();
    }

    /// <summary>
    /// Records a run's start or outcome for the workspace feed, as its submitter (the queue acts for them), at the
    /// instant written on the run, so the feed can link the entry to the run (<see cref="Data.Audit.ActivityService"/>).
    /// </summary>
    private static async Task AuditAsync(NeuroLabDbContext db, Run run, string action, DateTime at, string? note, CancellationToken ct)
    {
        var dataset = await db.Datasets.Where(d => d.Id == run.DatasetId).Select(d => d.Name).FirstOrDefaultAsync(ct);
        var detail = $"{run.Kind} on {dataset ?? "a deleted dataset"}" + (note is null ? "" : $": {note}");
        db.AuditEvents.Add(new Data.Audit.AuditEvent
        {
            WorkspaceId = run.WorkspaceId,
            ActorUserId = run.CreatedByUserId,
            Action = action,
            Detail = detail.Length > 1000 ? detail[..999] + "…" : detail,
            AtUtc = at,
        });
        await db.SaveChangesAsync(ct);
    }

    private async Task<bool> IsCancelRequestedAsync(Guid runId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.Runs.Where(r => r.Id == runId).Select(r => r.CancelRequested).SingleAsync();
    }

    private static RunEvent StatusEvent(Run run, string status, string? message) =>
        new() { RunId = run.Id, ExperimentId = run.ExperimentId, WorkspaceId = run.WorkspaceId, Type = "status", Status = status, Message = message };
}
