using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using NeuroLab.Compute.RunKinds;
using NeuroLab.Data;
using NeuroLab.Data.Runs;
using NeuroLab.Data.Serialization;
using NeuroLab.Formats;
using NeuroLab.Formats.Numpy;

namespace NeuroLab.Compute.Runs;

public sealed partial class RunExecutor
{
    /// <summary>The job's handle on the host, backed by the database, the content store and the event bus.</summary>
    /// <remarks>Every write is conditioned on the run's lease (<see cref="RunLease"/>); a refused write stops the job.</remarks>
    private sealed class DbRunContext(RunExecutor queue, Run run, RunLease lease, CancellationToken ct) : RunContext
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

        public override void Report(string stage, long step, long total, IReadOnlyDictionary<string, double>? metrics = null, IReadOnlyDictionary<string, double[]>? series = null, bool milestone = false)
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
            bool important = stage != _lastStage || step >= total || milestone;
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
                if (lease.Held(db.Runs).ExecuteUpdate(s => s.SetProperty(r => r.ProgressJson, json)) == 0)
                {
                    throw lease.MarkLost();
                }
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
            await WriteHeldAsync(db =>
            {
                db.RunLog.Add(new RunLogEntry { RunId = run.Id, Level = level, Message = message.Length > 4000 ? message[..4000] : message, AtUtc = queue.Clock.GetUtcNow().UtcDateTime });
                return Task.CompletedTask;
            });
            queue.Bus.Publish(new RunEvent { RunId = run.Id, ExperimentId = run.ExperimentId, WorkspaceId = run.WorkspaceId, Type = "log", Message = message, Stage = level });
        }

        public override async Task<Guid> SaveFileAsync(ArtifactSpec spec, Action<Stream> write, IReadOnlyList<long>? shape = null)
        {
            ArgumentNullException.ThrowIfNull(spec);
            var name = spec.FileName;
            var blob = await queue.Store.AddAsync(write, ct);
            var artifact = new RunArtifact
            {
                RunId = run.Id, Name = name, Kind = spec.LegacyKind, Role = spec.Role.Name(), Format = spec.Format, Sha256 = blob.Sha256, SizeBytes = blob.SizeBytes,
                ShapeJson = shape is null ? null : JsonSerializer.Serialize(shape, NeuroLabJson.Web), CreatedAtUtc = queue.Clock.GetUtcNow().UtcDateTime,
            };
            await WriteHeldAsync(async db =>
            {
                // A resumed run replaces artifacts of the same name from its earlier attempt.
                await db.RunArtifacts.Where(a => a.RunId == run.Id && a.Name == name).ExecuteDeleteAsync(CancellationToken.None);
                db.RunArtifacts.Add(artifact);
            });
            return artifact.Id;
        }

        public override async Task SaveCheckpointAsync(byte[] state)
        {
            using var memory = new MemoryStream(state);
            var blob = await queue.Store.AddAsync(memory, long.MaxValue, ct);
            await using var db = await queue.DbFactory.CreateDbContextAsync(CancellationToken.None);
            if (await lease.Held(db.Runs).ExecuteUpdateAsync(s => s.SetProperty(r => r.CheckpointSha256, blob.Sha256), CancellationToken.None) == 0)
            {
                throw lease.MarkLost();
            }
        }

        public override async Task<byte[]?> LoadCheckpointAsync()
        {
            await using var db = await queue.DbFactory.CreateDbContextAsync(ct);
            var sha = await db.Runs.Where(r => r.Id == run.Id).Select(r => r.CheckpointSha256).SingleAsync(ct);
            return sha is null || !queue.Store.Contains(sha) ? null : await queue.Store.ReadAllBytesAsync(sha, ct);
        }

        public override async Task SetSummaryAsync(RunResult summary)
        {
            // Scores can be NaN (no finite unit); they are written as null rather than failing a finished run.
            var json = JsonSerializer.Serialize(summary, summary.GetType(), NeuroLabJson.Web);
            await using var db = await queue.DbFactory.CreateDbContextAsync(CancellationToken.None);
            if (await lease.Held(db.Runs).ExecuteUpdateAsync(s => s.SetProperty(r => r.SummaryJson, json), CancellationToken.None) == 0)
            {
                throw lease.MarkLost();
            }
        }

        /// <summary>
        /// Writes in one transaction that first checks the lease. SQLite transactions here take the write lock at
        /// BEGIN; on PostgreSQL the run's row is locked (FOR UPDATE) before the check, so a take-over (an update of
        /// that row) waits for this commit. Either way no take-over can slip between the check and the write.
        /// </summary>
        private async Task WriteHeldAsync(Func<NeuroLabDbContext, Task> write)
        {
            await using var db = await queue.DbFactory.CreateDbContextAsync(CancellationToken.None);
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            await RowLocks.LockRunAsync(db, run.Id, CancellationToken.None);
            if (!await lease.Held(db.Runs).AnyAsync(CancellationToken.None))
            {
                throw lease.MarkLost();
            }
            await write(db);
            await db.SaveChangesAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }
    }
}
