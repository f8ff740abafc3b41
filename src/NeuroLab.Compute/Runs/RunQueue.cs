using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NeuroLab.Data;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Serialization;
using NeuroLab.Data.Storage;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Runs;

/// <summary>Settings of the compute host (<c>NeuroLab:Compute</c>).</summary>
public sealed record ComputeOptions
{
    /// <summary>Runs executed at the same time.</summary>
    public int MaxConcurrentRuns { get; init; } = 1;

    /// <summary>How often the queue looks for work when nothing signalled it (another process may have queued).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Shortest interval between two progress events of one run (stage changes and the end always pass).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>
/// The durable run queue: claims queued runs from the database (an atomic status update, so several
/// worker processes could share one database), executes them on dedicated threads with cancellation, and
/// records status, timings, log, progress and artifacts. On start-up, runs left "running" by a stopped
/// server are marked interrupted and queued again; jobs resume from their last checkpoint.
/// </summary>
public sealed class RunQueue(
    IDbContextFactory<NeuroLabDbContext> dbFactory, IEnumerable<IRunJob> jobs, RunSignals signals, RunEventBus bus,
    ContentStore store, ComputeOptions options, TimeProvider clock, ILogger<RunQueue> logger) : BackgroundService
{
    private static readonly string _codeVersion =
        typeof(RunQueue).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private readonly Dictionary<string, IRunJob> _jobs = jobs.ToDictionary(j => j.Kind, StringComparer.OrdinalIgnoreCase);

    private IDbContextFactory<NeuroLabDbContext> DbFactory => dbFactory;

    private RunEventBus Bus => bus;

    private ContentStore Store => store;

    private ComputeOptions Options => options;

    private TimeProvider Clock => clock;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecoverInterruptedAsync(stoppingToken);
        var running = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            running.RemoveAll(t => t.IsCompleted);
            while (running.Count < Math.Max(1, options.MaxConcurrentRuns) && await ClaimNextAsync(stoppingToken) is { } run)
            {
                // A dedicated thread: numerics must not occupy the thread pool the web requests use.
                running.Add(Task.Factory.StartNew(() => ExecuteRunAsync(run, stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap());
            }
            try
            {
                await signals.WaitForWorkAsync(options.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await Task.WhenAll(running);
    }

    /// <summary>Marks runs left running as interrupted and queues them again.</summary>
    internal async Task RecoverInterruptedAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stale = await db.Runs.Where(r => r.Status == RunStatus.Running).ToListAsync(ct);
        foreach (var run in stale)
        {
            db.RunLog.Add(new RunLogEntry { RunId = run.Id, Level = "warning", Message = "The server stopped during this run; it was marked interrupted and queued again.", AtUtc = clock.GetUtcNow().UtcDateTime });
            run.Status = run.CancelRequested ? RunStatus.Cancelled : RunStatus.Queued;
            bus.Publish(StatusEvent(run, "interrupted", "The server restarted during this run; it is queued again."));
        }
        await db.SaveChangesAsync(ct);
        if (stale.Count > 0)
        {
            logger.LogWarning("Re-queued {Count} runs interrupted by a restart.", stale.Count);
        }
    }

    private async Task<Run?> ClaimNextAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var candidates = await db.Runs.Where(r => r.Status == RunStatus.Queued).OrderBy(r => r.CreatedAtUtc).Select(r => r.Id).Take(5).ToListAsync(ct);
        foreach (var id in candidates)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            // Only the claimant whose update changes the row runs it.
            int claimed = await db.Runs.Where(r => r.Id == id && r.Status == RunStatus.Queued)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.StartedAtUtc, now).SetProperty(r => r.Attempt, r => r.Attempt + 1).SetProperty(r => r.CodeVersion, _codeVersion), ct);
            if (claimed == 1)
            {
                return await db.Runs.AsNoTracking().SingleAsync(r => r.Id == id, ct);
            }
        }
        return null;
    }

    private async Task ExecuteRunAsync(Run run, CancellationToken stoppingToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        signals.Register(run.Id, cts);
        var context = new DbRunContext(this, run, cts.Token);
        var sw = Stopwatch.StartNew();
        bus.Publish(StatusEvent(run, "running", run.Attempt > 1 ? $"Attempt {run.Attempt}." : null));
        RunStatus final;
        string? error = null;
        try
        {
            if (await IsCancelRequestedAsync(run.Id))
            {
                throw new OperationCanceledException();
            }
            var job = _jobs.GetValueOrDefault(run.Kind) ?? throw new InvalidOperationException($"No job handles run kind '{run.Kind}' in this version of NeuroLab.");
            await context.LogAsync($"Started {run.Kind} (attempt {run.Attempt}, seed {run.Seed}, code {_codeVersion}, dataset checksum {run.DatasetChecksum[..12]}).");
            // On one dedicated thread: TorchSharp's dispose scopes must not hop threads across awaits (see JobThread).
            await JobThread.RunAsync($"run {run.Id}", () => job.ExecuteAsync(context));
            context.Flush();
            final = RunStatus.Succeeded;
            await context.LogAsync($"Finished in {sw.Elapsed.TotalSeconds:0.0} s.");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping: leave the run "running" so the next start marks it interrupted and resumes it.
            signals.Unregister(run.Id);
            return;
        }
        catch (OperationCanceledException)
        {
            final = RunStatus.Cancelled;
            await context.LogAsync("Cancelled.", "warning");
        }
        catch (Exception e)
        {
            final = RunStatus.Failed;
            error = e is RunValidationException or FormatReadException or ArgumentException or InvalidOperationException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            logger.LogError(e, "Run {RunId} ({Kind}) failed.", run.Id, run.Kind);
            await context.LogAsync(error, "error");
        }
        finally
        {
            signals.Unregister(run.Id);
        }
        await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None))
        {
            await db.Runs.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, final)
                .SetProperty(r => r.Error, error)
                .SetProperty(r => r.FinishedAtUtc, clock.GetUtcNow().UtcDateTime)
                .SetProperty(r => r.ProgressJson, context.LastProgressJson), CancellationToken.None);
        }
        bus.Publish(StatusEvent(run, final.ToString().ToLowerInvariant(), error));
    }

    private async Task<bool> IsCancelRequestedAsync(Guid runId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.Runs.Where(r => r.Id == runId).Select(r => r.CancelRequested).SingleAsync();
    }

    private static RunEvent StatusEvent(Run run, string status, string? message) =>
        new() { RunId = run.Id, ExperimentId = run.ExperimentId, WorkspaceId = run.WorkspaceId, Type = "status", Status = status, Message = message };

    /// <summary>The job's handle on the host, backed by the database, the content store and the event bus.</summary>
    private sealed class DbRunContext(RunQueue queue, Run run, CancellationToken ct) : RunContext
    {
        private readonly JsonElement _parameters = JsonDocument.Parse(run.ParametersJson).RootElement.Clone();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private DateTime _lastSent = DateTime.MinValue;
        private DateTime _lastSaved = DateTime.MinValue;
        private string? _lastStage;
        private RunEvent? _pending;

        public override Run Run => run;

        public override JsonElement Parameters => _parameters;

        public override CancellationToken Cancellation => ct;

        public string? LastProgressJson { get; private set; }

        public override void Report(string stage, long step, long total, IReadOnlyDictionary<string, double>? metrics = null, IReadOnlyDictionary<string, double[]>? series = null)
        {
            ct.ThrowIfCancellationRequested();
            var now = DateTime.UtcNow;
            double? eta = step > 0 && total > step ? _clock.Elapsed.TotalSeconds / step * (total - step) : null;
            var e = new RunEvent
            {
                RunId = run.Id, ExperimentId = run.ExperimentId, WorkspaceId = run.WorkspaceId, Type = "progress",
                Stage = stage, Step = step, Total = total, EtaSeconds = eta, Metrics = metrics, Series = series, AtUtc = now,
            };
            LastProgressJson = JsonSerializer.Serialize(new { stage, step, total, etaSeconds = eta, metrics }, NeuroLabJson.Web);
            bool important = stage != _lastStage || step >= total;
            _lastStage = stage;
            if (important || now - _lastSent >= queue.Options.ProgressInterval)
            {
                // A throttled event of the previous stage goes out first, so each stage ends on its last step.
                if (important && _pending is { } previous)
                {
                    queue.Bus.Publish(previous);
                }
                queue.Bus.Publish(e);
                _lastSent = now;
                _pending = null;
            }
            else
            {
                _pending = e;
            }
            if (now - _lastSaved >= TimeSpan.FromSeconds(1))
            {
                _lastSaved = now;
                var json = LastProgressJson;
                using var db = queue.DbFactory.CreateDbContext();
                db.Runs.Where(r => r.Id == run.Id).ExecuteUpdate(s => s.SetProperty(r => r.ProgressJson, json));
            }
        }

        /// <summary>Sends the last throttled event so watchers see the final state.</summary>
        public void Flush()
        {
            if (_pending is { } e)
            {
                queue.Bus.Publish(e);
                _pending = null;
            }
        }

        public override async Task LogAsync(string message, string level = "info")
        {
            await using var db = await queue.DbFactory.CreateDbContextAsync(CancellationToken.None);
            db.RunLog.Add(new RunLogEntry { RunId = run.Id, Level = level, Message = message.Length > 4000 ? message[..4000] : message, AtUtc = queue.Clock.GetUtcNow().UtcDateTime });
            await db.SaveChangesAsync(CancellationToken.None);
            queue.Bus.Publish(new RunEvent { RunId = run.Id, ExperimentId = run.ExperimentId, WorkspaceId = run.WorkspaceId, Type = "log", Message = message, Stage = level });
        }

        public override Task<Guid> SaveArrayAsync(string name, NumericArray array, string kind = "array") =>
            SaveFileAsync(name.EndsWith(".npy", StringComparison.Ordinal) ? name : name + ".npy", kind, "npy", s => NpyWriter.Write(s, array), array.Shape);

        public override async Task<Guid> SaveFileAsync(string name, string kind, string format, Action<Stream> write, IReadOnlyList<long>? shape = null)
        {
            var blob = await queue.Store.AddAsync(write, ct);
            var artifact = new RunArtifact
            {
                RunId = run.Id, Name = name, Kind = kind, Format = format, Sha256 = blob.Sha256, SizeBytes = blob.SizeBytes,
                ShapeJson = shape is null ? null : JsonSerializer.Serialize(shape, NeuroLabJson.Web), CreatedAtUtc = queue.Clock.GetUtcNow().UtcDateTime,
            };
            await using var db = await queue.DbFactory.CreateDbContextAsync(CancellationToken.None);
            // A resumed run replaces artifacts of the same name from its earlier attempt.
            await db.RunArtifacts.Where(a => a.RunId == run.Id && a.Name == name).ExecuteDeleteAsync(CancellationToken.None);
            db.RunArtifacts.Add(artifact);
            await db.SaveChangesAsync(CancellationToken.None);
            return artifact.Id;
        }

        public override async Task SaveCheckpointAsync(byte[] state)
        {
            using var memory = new MemoryStream(state);
            var blob = await queue.Store.AddAsync(memory, long.MaxValue, ct);
            await using var db = await queue.DbFactory.CreateDbContextAsync(CancellationToken.None);
            await db.Runs.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.CheckpointSha256, blob.Sha256), CancellationToken.None);
        }

        public override async Task<byte[]?> LoadCheckpointAsync()
        {
            await using var db = await queue.DbFactory.CreateDbContextAsync(ct);
            var sha = await db.Runs.Where(r => r.Id == run.Id).Select(r => r.CheckpointSha256).SingleAsync(ct);
            return sha is null || !queue.Store.Contains(sha) ? null : await queue.Store.ReadAllBytesAsync(sha, ct);
        }

        public override async Task SetSummaryAsync(object summary)
        {
            // Scores can be NaN (no finite unit); they are written as null rather than failing a finished run.
            var json = JsonSerializer.Serialize(summary, NeuroLabJson.Web);
            await using var db = await queue.DbFactory.CreateDbContextAsync(CancellationToken.None);
            await db.Runs.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.SummaryJson, json), CancellationToken.None);
        }
    }
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
